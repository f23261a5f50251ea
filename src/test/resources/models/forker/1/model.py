import multiprocessing
import os
import time

import triton_python_backend_utils as pb_utils


def _helper(parent):
    # Lives as long as the stub (like a data-loader worker), holding whatever the fork gave it.
    while os.getppid() == parent:
        time.sleep(0.05)


class TritonPythonModel:
    def initialize(self, args):
        self.child = multiprocessing.get_context("fork").Process(target=_helper, args=(os.getpid(),), daemon=True)
        self.child.start()

    def execute(self, requests):
        if pb_utils.get_input_tensor_by_name(requests[0], "IN").as_memoryview()[0] < 0:
            os.kill(os.getpid(), 9)
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "IN").as_memoryview())])
                for r in requests]
