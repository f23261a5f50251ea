import array
import json

import triton_python_backend_utils as pb_utils


def fp32(values):
    return memoryview(array.array("f", values)).cast("B").cast("f", [len(values)])


def int32(values):
    return memoryview(array.array("i", values)).cast("B").cast("i", [len(values)])


def describe(response):
    """What a BLS response holds, as JSON-ready values."""
    if response.has_error():
        return {"error": response.error().message(), "code": response.error().code()}
    out = {"parameters": response.parameters()}
    for t in response.output_tensors():
        out[t.name()] = (t.as_bytes_list() and [b.decode() for b in t.as_bytes_list()]) if t.triton_dtype() == 13 \
            else t.as_memoryview().tolist()
    return out


class TritonPythonModel:
    def execute(self, requests):
        return [self.one(r) for r in requests]

    def one(self, request):
        case = pb_utils.get_input_tensor_by_name(request, "CASE").as_bytes_list()[0].decode()
        a = pb_utils.get_input_tensor_by_name(request, "A")
        b = pb_utils.get_input_tensor_by_name(request, "B")
        outputs = []
        if case == "add":
            # The request's own input tensors go on to add_sub: no copy in this stub
            response = pb_utils.InferenceRequest(
                model_name="add_sub", requested_output_names=["OUTPUT0"],
                inputs=[pb_utils.Tensor("INPUT0", a.as_memoryview()), pb_utils.Tensor("INPUT1", b.as_memoryview())],
                request_id="bls-1", parameters={"k": "v"}).exec()
            result = describe(response)
            if not response.has_error():
                outputs.append(pb_utils.Tensor("SUM", pb_utils.get_output_tensor_by_name(response, "OUTPUT0")
                                               .as_memoryview()))
        elif case == "add_new":
            # Tensors the model makes itself: copied into the stub's memory once
            response = pb_utils.InferenceRequest(
                model_name="add_sub", requested_output_names=[],
                inputs=[pb_utils.Tensor("INPUT0", fp32([1, 2, 3, 4])), pb_utils.Tensor("INPUT1", fp32([1, 1, 1, 1]))]
            ).exec()
            result = describe(response)
        elif case == "unknown_model":
            result = describe(pb_utils.InferenceRequest(model_name="nope", requested_output_names=["X"],
                                                        inputs=[]).exec())
        elif case == "decoupled_without_flag":
            result = describe(pb_utils.InferenceRequest(model_name="repeat", requested_output_names=["OUT"],
                                                        inputs=[pb_utils.Tensor("IN", int32([1]))]).exec())
        elif case == "wrong_datatype":
            result = describe(pb_utils.InferenceRequest(
                model_name="add_sub", requested_output_names=["OUTPUT0"],
                inputs=[pb_utils.Tensor("INPUT0", int32([1, 2, 3, 4])), pb_utils.Tensor("INPUT1", fp32([1] * 4))]).exec())
        elif case == "unknown_output":
            result = describe(pb_utils.InferenceRequest(
                model_name="add_sub", requested_output_names=["NOPE"],
                inputs=[pb_utils.Tensor("INPUT0", fp32([1] * 4)), pb_utils.Tensor("INPUT1", fp32([1] * 4))]).exec())
        elif case == "model_error":
            result = describe(pb_utils.InferenceRequest(model_name="wrong_model", requested_output_names=["OUT"],
                                                        inputs=[pb_utils.Tensor("IN", fp32([1]))]).exec())
        elif case == "iterate":
            responses = pb_utils.InferenceRequest(model_name="repeat", requested_output_names=["OUT"],
                                                  inputs=[pb_utils.Tensor("IN", int32([3, 4, 5]))]).exec(decoupled=True)
            first = [describe(r) for r in responses]
            again = [describe(r) for r in responses]  # iterating a finished iterator again replays it
            result = {"first": first, "again": again}
        elif case == "iterate_plain":
            responses = pb_utils.InferenceRequest(
                model_name="add_sub", requested_output_names=["OUTPUT1"],
                inputs=[pb_utils.Tensor("INPUT0", fp32([5] * 4)), pb_utils.Tensor("INPUT1", fp32([1] * 4))]
            ).exec(decoupled=True)
            result = [describe(r) for r in responses]
        elif case == "cancel":
            responses = pb_utils.InferenceRequest(model_name="cancellable", requested_output_names=["N"],
                                                  inputs=[pb_utils.Tensor("TAG", ["bls"])]).exec(decoupled=True)
            got = []
            for r in responses:
                got.append(describe(r))
                if len(got) == 3:
                    responses.cancel()
            result = {"count": len(got), "last": got[-1]}
        elif case == "arguments":
            result = {}
            for name, build in [
                ("no_model", lambda: pb_utils.InferenceRequest(requested_output_names=[], inputs=[])),
                ("none_input", lambda: pb_utils.InferenceRequest(model_name="m", requested_output_names=[],
                                                                 inputs=[None])),
                ("empty_output", lambda: pb_utils.InferenceRequest(model_name="m", requested_output_names=[""],
                                                                   inputs=[])),
                ("correlation", lambda: pb_utils.InferenceRequest(model_name="m", requested_output_names=[],
                                                                  inputs=[], correlation_id=1.5)),
                ("float_parameter", lambda: pb_utils.InferenceRequest(model_name="m", requested_output_names=[],
                                                                      inputs=[], parameters={"p": 1.5})),
            ]:
                try:
                    build()
                    result[name] = "accepted"
                except Exception as e:
                    result[name] = type(e).__name__ + ": " + str(e)
        else:
            result = {"error": "unknown case " + case}
        outputs.insert(0, pb_utils.Tensor("TEXT", [json.dumps(result, sort_keys=True)]))
        return pb_utils.InferenceResponse(outputs)
