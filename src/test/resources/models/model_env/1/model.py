import os
import sys

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        responses = []
        for request in requests:
            name = pb_utils.get_input_tensor_by_name(request, "NAME").as_bytes_list()[0].decode()
            if name == "sys.prefix":
                value = sys.prefix
            elif name == "sys.path":
                value = os.pathsep.join(sys.path)
            elif name == "user_site":
                import site
                value = str(site.ENABLE_USER_SITE)
            else:
                value = os.environ.get(name, "<unset>")
            responses.append(pb_utils.InferenceResponse([pb_utils.Tensor("VALUE", [value])]))
        return responses
