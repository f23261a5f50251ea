import array
import threading
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        for request in requests:
            threading.Thread(target=self.stream, args=(request,)).start()
        return None

    def stream(self, request):
        tag = pb_utils.get_input_tensor_by_name(request, "TAG").as_bytes_list()[0].decode()
        sender = request.get_response_sender()
        n = 0
        while n < 500 and not sender.is_cancelled():
            sender.send(pb_utils.InferenceResponse(
                [pb_utils.Tensor("N", memoryview(array.array("i", [n])).cast("B").cast("i", [1]))]))
            n += 1
            time.sleep(0.02)
        pb_utils.Logger.log_info("stream %s ended after %d responses, cancelled: %s (request: %s)"
                                 % (tag, n, sender.is_cancelled(), request.is_cancelled()))
        sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
