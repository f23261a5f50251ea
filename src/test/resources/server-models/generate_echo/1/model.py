import array
import json

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            prompt = [p.decode() for p in pb_utils.get_input_tensor_by_name(request, "PROMPT").as_bytes_list()]
            parameters = json.loads(request.parameters())
            text = " ".join(prompt) + "|" + json.dumps(parameters, sort_keys=True)
            count = memoryview(array.array("i", [len(prompt)])).cast("B").cast("i", [1])
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("TEXT", [text]),
                                                         pb_utils.Tensor("COUNT", count)],
                                                        parameters={"echoed": True}))
        return responses
