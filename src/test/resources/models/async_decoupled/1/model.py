import array
import asyncio

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    async def execute(self, requests):
        await asyncio.gather(*(self.answer(r) for r in requests))

    async def answer(self, request):
        sender = request.get_response_sender()
        count = pb_utils.get_input_tensor_by_name(request, "COUNT").as_memoryview()[0]
        for i in range(count):
            await asyncio.sleep(0.01)
            sender.send(pb_utils.InferenceResponse(
                [pb_utils.Tensor("OUT", memoryview(array.array("i", [i])).cast("B").cast("i", [1]))]))
        sender.send(flags=pb_utils.TRITONSERVER_RESPONSE_COMPLETE_FINAL)
