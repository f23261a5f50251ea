import json

import triton_python_backend_utils as pb_utils


def refusal(action):
    try:
        action()
        return "accepted"
    except (pb_utils.TritonModelException, TypeError) as e:
        return str(e)


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            x = pb_utils.get_input_tensor_by_name(request, "X")
            y = pb_utils.Tensor.from_dlpack("Y", x.to_dlpack())
            z = pb_utils.Tensor.from_dlpack("Z", x)
            text = {
                "dtype": y.triton_dtype(),
                "shape": z.shape(),
                "memoryview": refusal(lambda: x.as_memoryview()),
                "bytes": refusal(lambda: pb_utils.Tensor("S", ["a"]).to_dlpack()),
                "empty_name": refusal(lambda: pb_utils.Tensor.from_dlpack("", x)),
                "not_a_tensor": refusal(lambda: pb_utils.Tensor.from_dlpack("N", 5)),
                "fp32_round_trip": pb_utils.Tensor.from_dlpack("F", pb_utils.Tensor(
                    "F", memoryview(bytes(8)).cast("f")).to_dlpack()).shape(),
            }
            responses.append(pb_utils.InferenceResponse([y, z, pb_utils.Tensor("TEXT", [json.dumps(text)])]))
        return responses
