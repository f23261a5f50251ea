class TritonPythonModel:
    def initialize(self, args):
        lorem_ipsum

    def execute(self, requests):
        return []
