description = "Alation 4.7.2 installed by package, every output in its plainest wording."
