import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            tag = pb_utils.get_input_tensor_by_name(request, "TAG").as_bytes_list()[0].decode()
            pb_utils.Logger.log_info("request %s waits for its cancellation" % tag)
            deadline = time.time() + 20
            while not request.is_cancelled() and time.time() < deadline:
                time.sleep(0.01)
            if request.is_cancelled():
                pb_utils.Logger.log_info("request %s cancelled" % tag)
                responses.append(pb_utils.InferenceResponse(
                    error=pb_utils.TritonError("request " + tag + " cancelled", pb_utils.TritonError.CANCELLED)))
            else:
                responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUT", [tag])]))
        return responses
