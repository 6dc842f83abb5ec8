pin   = "hunter2"
codes = ["hunter2", 1 + "hunter2"]
token = upper("hunter2", "hunter2")
port  = 5432
tokn  = "hunter2"
