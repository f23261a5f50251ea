import triton_python_backend_utils as pb_utils

CODES = {
    "UNKNOWN": pb_utils.TritonError.UNKNOWN,
    "INTERNAL": pb_utils.TritonError.INTERNAL,
    "NOT_FOUND": pb_utils.TritonError.NOT_FOUND,
    "INVALID_ARG": pb_utils.TritonError.INVALID_ARG,
    "UNAVAILABLE": pb_utils.TritonError.UNAVAILABLE,
    "UNSUPPORTED": pb_utils.TritonError.UNSUPPORTED,
    "ALREADY_EXISTS": pb_utils.TritonError.ALREADY_EXISTS,
    "CANCELLED": pb_utils.TritonError.CANCELLED,
}


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            name = pb_utils.get_input_tensor_by_name(request, "ERROR_CODE").as_bytes_list()[0].decode()
            error = pb_utils.TritonError(message="error code: " + name, code=CODES[name])
            responses.append(pb_utils.InferenceResponse(error=error))
        return responses
