import json

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            received = json.loads(request.parameters())
            parameters = {"echo": received.get("greeting", ""), "count": 3, "flag": True}
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(request, "IN").as_memoryview())],
                                                        parameters=parameters))
        return responses
