# A step that destroys data: it asks for confirmation before it runs.

variable "marker" {
  type        = string
  description = "The file the step deletes."
}

task "command" "remove_marker" {
  confirm = "Deletes the marker file"
  argv    = ["rm", var.marker]
}
