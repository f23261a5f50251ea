import array
import threading
import time

import triton_python_backend_utils as pb_utils


def _int32(value):
    return memoryview(array.array("i", [value])).cast("B").cast("i", [1])


class TritonPythonModel:
    def initialize(self, args):
        self.threads = []

    def execute(self, requests):
        for request in requests:
            values = list(pb_utils.get_input_tensor_by_name(request, "IN").as_memoryview())
            delay = pb_utils.get_input_tensor_by_name(request, "DELAY")
            delay = delay.as_memoryview()[0] if delay is not None else 0.0
            mode = pb_utils.get_input_tensor_by_name(request, "MODE")
            mode = mode.as_bytes_list()[0].decode() if mode is not None else ""
            sender = request.get_response_sender()
            if mode == "thread":
                thread = threading.Thread(target=self.answer, args=(sender, values, delay, mode))
                thread.start()
                self.threads.append(thread)
            else:
                self.answer(sender, values, delay, mode)
        return None

    def answer(self, sender, values, delay, mode):
        for i, value in enumerate(values):
            if delay:
                time.sleep(delay)
            last = mode == "with_final" and i == len(values) - 1
            response = pb_utils.InferenceResponse([pb_utils.Tensor("OUT", _int32(value)),
                                                   pb_utils.Tensor("IDX", _int32(i))])
            sender.send(response, flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL if last else 0)
        if mode != "with_final" or not values:
            sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)

    def finalize(self):
        for thread in self.threads:
            thread.join()
