import triton_python_backend_utils as pb_utils

pb_utils.Logger.log_verbose("import-verbose")


class TritonPythonModel:
    def execute(self, requests):
        for request in requests:
            tag = pb_utils.get_input_tensor_by_name(request, "TAG").as_bytes_list()[0].decode()
            pb_utils.Logger.log_info(tag + "-info")
            pb_utils.Logger.log_warn(tag + "-warning")
            pb_utils.Logger.log_error(tag + "-error")
            pb_utils.Logger.log_verbose(tag + "-verbose")
            pb_utils.Logger.log(tag + "-log", pb_utils.Logger.INFO)
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", ["ok"])]) for _ in requests]
