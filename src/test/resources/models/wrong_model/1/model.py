class TritonPythonModel:
    def execute(self, requests):
        return undefined_variable
