import triton_python_backend_utils as pb_utils

FINAL = pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL


def text(value):
    return pb_utils.InferenceResponse([pb_utils.Tensor("TEXT", [value])])


def refusal(e):
    return type(e).__name__ + ": " + str(e)


class TritonPythonModel:
    def initialize(self, args):
        self.kept = "nothing"

    def execute(self, requests):
        for request in requests:
            case = pb_utils.get_input_tensor_by_name(request, "CASE").as_bytes_list()[0].decode()
            sender = request.get_response_sender()
            if case == "after_final":
                sender.send(text("first"), flags=FINAL)
                try:
                    sender.send(text("second"))
                except pb_utils.TritonModelException as e:
                    self.kept = refusal(e)
            elif case == "final_twice":
                sender.send(text("only"))
                sender.send(flags=FINAL)
                try:
                    sender.send(flags=FINAL)
                except pb_utils.TritonModelException as e:
                    self.kept = refusal(e)
            elif case == "report":
                sender.send(text(self.kept), flags=FINAL)
            elif case == "same_sender":
                sender.send(text(str(request.get_response_sender() is sender)), flags=FINAL)
            else:
                try:
                    if case == "bad_flag":
                        sender.send(text("x"), flags=4)
                    elif case == "none_without_final":
                        sender.send(None, flags=0)
                    elif case == "wrong_type":
                        sender.send("not a response")
                except (pb_utils.TritonModelException, TypeError) as e:
                    sender.send(text(refusal(e)), flags=FINAL)
        return None
