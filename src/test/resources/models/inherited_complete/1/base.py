import triton_python_backend_utils as pb_utils


class Base:
    @staticmethod
    def auto_complete_config(config):
        # Defined in another file than model.py: tpb must ask the class, not read model.py's text.
        config.add_input({"name": "IN", "data_type": "TYPE_INT32", "dims": [1]})
        config.add_output({"name": "OUT", "data_type": "TYPE_INT32", "dims": [1]})
        config.set_max_batch_size(4)
        config.set_dynamic_batching()
        return config

    def initialize(self, args):
        self.instance = args["model_instance_name"]

    def execute(self, requests):
        return [pb_utils.InferenceResponse([pb_utils.Tensor("OUT", pb_utils.get_input_tensor_by_name(r, "IN")
                                                            .as_memoryview())],
                                           parameters={"instance": self.instance}) for r in requests]
