# A Python-based backend (backend repo, docs/python_based_backends.md): this model.py serves every model whose config
# says backend: "adder". Each model's directory holds only its config and the data its version directory has.
import json
import os

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def initialize(self, args):
        config = json.loads(args["model_config"])
        self.scale = float(config["parameters"]["scale"]["string_value"])
        self.repository = args["model_repository"]
        with open(os.path.join(args["model_repository"], args["model_version"], "offset.json")) as f:
            self.offset = json.load(f)["offset"]
        self.model_dir = pb_utils.get_model_dir()

    def execute(self, requests):
        responses = []
        for request in requests:
            values = pb_utils.get_input_tensor_by_name(request, "X").as_memoryview().tolist()
            out = [v * self.scale + self.offset for v in values]
            import array
            tensor = memoryview(array.array("f", out)).cast("B").cast("f", [len(out)])
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("Y", tensor)],
                                                        parameters={"repository": self.repository,
                                                                    "model_dir": self.model_dir}))
        return responses
