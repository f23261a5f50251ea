import file1  # a sibling module: the version directory is on sys.path

import triton_python_backend_utils as pb_utils

from . import file2  # a relative import: model.py is imported as <version>.model


class TritonPythonModel:
    def execute(self, requests):
        text = file1.VALUE + "+" + file2.VALUE + "@" + __name__
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", [text])]) for _ in requests]
