description = "No package database or version file tells the Secondary's version: the run must stop and ask for -var alation_version."
secondary {
  version_in = "none"
}
