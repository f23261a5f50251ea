import json

import triton_python_backend_utils as pb_utils

MODEL_PY = b"""
import triton_python_backend_utils as pb_utils
class TritonPythonModel:
    def execute(self, requests):
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", ["made from files"])]) for _ in requests]
"""

CONFIG = {"backend": "python", "input": [{"name": "IN", "data_type": "TYPE_STRING", "dims": [1]}],
          "output": [{"name": "OUT", "data_type": "TYPE_STRING", "dims": [1]}]}


def attempt(action):
    try:
        return {"value": action()}
    except pb_utils.TritonModelException as e:
        return {"error": str(e)}


class TritonPythonModel:
    def initialize(self, args):
        pb_utils.load_model(model_name="add_sub")
        self.ready_at_init = pb_utils.is_model_ready("add_sub")

    def execute(self, requests):
        responses = []
        for request in requests:
            case = pb_utils.get_input_tensor_by_name(request, "CASE").as_bytes_list()[0].decode()
            if case == "ready":
                result = {"at_init": self.ready_at_init, "now": pb_utils.is_model_ready("add_sub"),
                          "version_1": pb_utils.is_model_ready("add_sub", "1"),
                          "version_9": pb_utils.is_model_ready("add_sub", "9"),
                          "unknown": pb_utils.is_model_ready("nope")}
            elif case == "unload":
                pb_utils.unload_model("add_sub")
                result = {"now": pb_utils.is_model_ready("add_sub")}
            elif case == "load_again":
                pb_utils.load_model("add_sub")
                result = {"now": pb_utils.is_model_ready("add_sub")}
            elif case == "load_files":
                pb_utils.load_model("made", config=json.dumps(CONFIG), files={"file:1/model.py": MODEL_PY})
                reply = pb_utils.InferenceRequest(model_name="made", requested_output_names=["OUT"],
                                                  inputs=[pb_utils.Tensor("IN", ["x"])]).exec()
                result = {"ready": pb_utils.is_model_ready("made"),
                          "out": reply.output_tensors()[0].as_bytes_list()[0].decode()}
            elif case == "errors":
                result = {
                    "bad_config": attempt(lambda: pb_utils.load_model("add_sub", config="{not json")),
                    "files_without_config": attempt(lambda: pb_utils.load_model(
                        "made", files={"file:1/model.py": MODEL_PY})),
                    "files_not_dict": attempt(lambda: pb_utils.load_model("made", config="{}", files=["x"])),
                    "escaping_file": attempt(lambda: pb_utils.load_model(
                        "made", config=json.dumps(CONFIG), files={"file:../x.py": MODEL_PY})),
                    "bad_version": attempt(lambda: pb_utils.is_model_ready("add_sub", "-1")),
                    "missing_model": attempt(lambda: pb_utils.load_model("nope")),
                }
            else:
                result = {"unknown case": case}
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("TEXT", [json.dumps(result)])]))
        return responses
