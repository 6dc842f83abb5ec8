token = "hunter2
