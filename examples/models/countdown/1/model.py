import array
import threading
import time

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        # Each request is answered from a thread of its own: execute returns at once, the responses follow.
        for request in requests:
            start = pb_utils.get_input_tensor_by_name(request, "START").as_memoryview()[0]
            threading.Thread(target=self.count, args=(request.get_response_sender(), start)).start()
        return None

    @staticmethod
    def count(sender, start):
        for n in range(start, 0, -1):
            if sender.is_cancelled():
                break
            value = memoryview(array.array("i", [n])).cast("B").cast("i", [1])
            sender.send(pb_utils.InferenceResponse([pb_utils.Tensor("N", value)]))
            time.sleep(0.005)
        sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
