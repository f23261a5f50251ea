import os

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        self.marker = os.path.join(args["model_repository"], "crashed")
        if os.path.exists(self.marker):
            raise RuntimeError("this model crashed before and refuses to start again")

    def execute(self, requests):
        if pb_utils.get_input_tensor_by_name(requests[0], "IN").as_memoryview()[0] < 0:
            open(self.marker, "w").close()
            os.kill(os.getpid(), 9)
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "IN").as_memoryview())])
                for r in requests]
