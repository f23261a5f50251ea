import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        first = requests[0]
        first.get_response_sender().send(
            pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(first, "IN").as_memoryview())]),
            flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
        raise ValueError("decoupled execute failed after %d request(s)" % len(requests))
