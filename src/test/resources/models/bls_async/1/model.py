import array
import asyncio
import json

import triton_python_backend_utils as pb_utils


def fp32(values):
    return memoryview(array.array("f", values)).cast("B").cast("f", [len(values)])


class TritonPythonModel:
    async def execute(self, requests):
        responses = []
        for request in requests:
            n = pb_utils.get_input_tensor_by_name(request, "N").as_memoryview()[0]
            calls = [pb_utils.InferenceRequest(
                model_name="add_sub", requested_output_names=["OUTPUT0"],
                inputs=[pb_utils.Tensor("INPUT0", fp32([i] * 4)), pb_utils.Tensor("INPUT1", fp32([1] * 4))]
            ).async_exec() for i in range(n)]
            sums = [pb_utils.get_output_tensor_by_name(r, "OUTPUT0").as_memoryview().tolist()[0]
                    for r in await asyncio.gather(*calls)]
            stream = await pb_utils.InferenceRequest(
                model_name="repeat", requested_output_names=["OUT"],
                inputs=[pb_utils.Tensor("IN", memoryview(array.array("i", [7, 8])).cast("B").cast("i", [2]))]
            ).async_exec(decoupled=True)
            streamed = [r.output_tensors()[0].as_memoryview().tolist()[0] for r in stream if r.output_tensors()]
            responses.append(pb_utils.InferenceResponse(
                [pb_utils.Tensor("TEXT", [json.dumps({"sums": sums, "streamed": streamed})])]))
        return responses
