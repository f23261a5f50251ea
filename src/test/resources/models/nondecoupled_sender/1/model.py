import threading
import time

import triton_python_backend_utils as pb_utils

FINAL = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL


def text(value):
    return pb_utils.InferenceResponse([pb_utils.Tensor("TEXT", [[value]])])  # [batch, 1], a tpb extension


class TritonPythonModel:
    def execute(self, requests):
        returned = []
        for request in requests:
            mode = pb_utils.get_input_tensor_by_name(request, "MODE").as_bytes_list()[0].decode()
            sender = request.get_response_sender()
            if mode == "return":
                returned.append(text("returned"))
            elif mode == "send":
                sender.send(text("sent"), flags=FINAL)
                returned.append(None)
            elif mode == "send_then_flag":
                sender.send(text("sent"))
                sender.send(flags=FINAL)
                returned.append(None)
            elif mode == "thread":
                threading.Thread(target=self.later, args=(sender,)).start()
                returned.append(None)
            elif mode == "send_twice":
                sender.send(text("first"))
                try:
                    sender.send(text("second"))
                except pb_utils.TritonModelException as e:
                    pb_utils.Logger.log_warn("second send: " + str(e))
                sender.send(flags=FINAL)
                returned.append(None)
            elif mode == "final_first":
                try:
                    sender.send(flags=FINAL)
                except pb_utils.TritonModelException as e:
                    returned.append(text(str(e)))
            elif mode == "send_and_return":
                sender.send(text("sent"))
                returned.append(text("returned"))
        return returned

    def later(self, sender):
        time.sleep(0.2)
        sender.send(text("from a thread"), flags=FINAL)
