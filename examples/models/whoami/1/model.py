import os
import sys

import triton_python_backend_utils as pb_utils


class TritonPythonModel:
    def execute(self, requests):
        answer = "Python %s at %s (pid %d)" % (sys.version.split()[0], sys.prefix, os.getpid())
        return [pb_utils.InferenceResponse([pb_utils.Tensor("ANSWER", [answer])]) for _ in requests]
