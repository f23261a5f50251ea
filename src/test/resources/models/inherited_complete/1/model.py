from base import Base


class TritonPythonModel(Base):
    pass
