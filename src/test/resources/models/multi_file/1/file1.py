VALUE = "file1"
