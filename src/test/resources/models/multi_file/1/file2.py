VALUE = "file2"
