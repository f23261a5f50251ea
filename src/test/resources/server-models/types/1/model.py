import triton_python_backend_utils as pb_utils

NAMES = ["BOOL", "UINT8", "INT16", "UINT32", "INT64", "UINT64", "FP16", "FP64", "BYTES"]


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            outputs = []
            for name in NAMES:
                tensor = pb_utils.get_input_tensor_by_name(request, name)
                if tensor is None:
                    continue
                if name == "BYTES":
                    outputs.append(pb_utils.Tensor(name + "_OUT", tensor.as_bytes_list()))
                else:
                    outputs.append(pb_utils.Tensor(name + "_OUT", tensor.as_memoryview()))
            responses.append(pb_utils.InferenceResponse(outputs))
        return responses
