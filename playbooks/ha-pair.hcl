# Set up replication on an Alation HA pair, versions 4.7 and below.
#
# This is Alation's procedure "Set up Replication on HA Pair (4.7 and
# Below)" made executable, safe and repeatable:
#
#   preflight  every prerequisite is checked on both hosts, in parallel,
#              before anything changes on either, MongoDB read as step 6
#              will read it (as mongo_user when it requires
#              authentication) and PostgreSQL and MongoDB found listening
#              for the other host;
#   step 2     the replication_rsa key pairs, on both hosts at once, then
#              each public key copied to the other host;
#   step 3     each host's key, as runbook verified it, trusted by the
#              other's Alation shell user; SSH verified from each host's
#              Alation shell to the other, .hushlogin touched;
#   step 4     the Primary enters master mode;
#   step 5     the Secondary's address joins alation.cluster.hosts, the
#              in-line decision is made, cluster_add_slaves runs and, when
#              not in-line, pg_repl_in_line False (5a) and
#              cluster_replicate_postgres (5b);
#   step 6     PostgreSQL replication and the MongoDB lag are verified.
#
# Running it again on a pair it has set up changes nothing and asks
# nothing: the one question, whether the Secondary's PostgreSQL data may be
# replaced, is asked only when it would be, after the preflight and before
# anything changes. Alation 4.8 and later use another procedure
# (cluster_generate_keys), which this one would break: the preflight
# refuses them.
#
#   runbook run ha-pair -var primary=10.0.0.2 -var secondary=10.0.0.3

variable "primary" {
  type        = string
  description = "Address of the Primary, the host that keeps serving and is replicated from, as the control node and the Secondary reach it."
  validation {
    condition     = length(regexall("^[0-9A-Za-z:][0-9A-Za-z.:_-]*$", var.primary)) > 0
    error_message = "primary must be a host name or an IP address; it cannot start with \"-\", which ssh, ip and psql on the hosts would read as an option."
  }
}

variable "secondary" {
  type        = string
  description = "Address of the Secondary, the host whose PostgreSQL data is replaced by the Primary's, as the control node and the Primary reach it."
  validation {
    condition     = length(regexall("^[0-9A-Za-z:][0-9A-Za-z.:_-]*$", var.secondary)) > 0
    error_message = "secondary must be a host name or an IP address; it cannot start with \"-\", which ssh, ip and psql on the hosts would read as an option."
  }
}

variable "primary_cidr" {
  type        = string
  default     = ""
  description = "The Primary's address with CIDR (step 1), e.g. 10.0.0.2/32. Empty means primary/32."
  validation {
    condition     = var.primary_cidr == "" || length(regexall("^[0-9A-Fa-f.:]+/[0-9]+$", var.primary_cidr)) > 0
    error_message = "primary_cidr must be an address with a prefix length, such as 10.0.0.2/32."
  }
}

variable "secondary_cidr" {
  type        = string
  default     = ""
  description = "The Secondary's address with CIDR (step 1), written into alation.cluster.hosts on the Primary, e.g. 10.0.0.3/32. Empty means secondary/32."
  validation {
    condition     = var.secondary_cidr == "" || length(regexall("^[0-9A-Fa-f.:]+/[0-9]+$", var.secondary_cidr)) > 0
    error_message = "secondary_cidr must be an address with a prefix length, such as 10.0.0.3/32."
  }
}

variable "ssh_user" {
  type        = string
  default     = "alationadmin"
  description = "The SSH user: runbook logs in as it, and the hosts log in to each other as it for replication. It needs sudo."
  validation {
    condition     = length(regexall("^[a-z_][a-z0-9_.-]*$", var.ssh_user)) > 0
    error_message = "ssh_user must be a user name (lower-case letters, digits, _ . and -)."
  }
}

variable "ssh_port" {
  type        = number
  default     = 22
  description = "The SSH port of both hosts."
  validation {
    condition     = var.ssh_port >= 1 && var.ssh_port <= 65535 && floor(var.ssh_port) == var.ssh_port
    error_message = "ssh_port must be a port number between 1 and 65535."
  }
}

variable "identity_file" {
  type        = string
  default     = ""
  description = "A private key file to log in to both hosts with. Empty means the SSH agent and the usual keys."
}

variable "sudo_password" {
  type        = string
  default     = ""
  sensitive   = true
  description = "The SSH user's sudo password on both hosts, when sudo asks for one."
}

variable "alation_version" {
  type        = string
  default     = ""
  description = "The Alation version of both hosts, e.g. 4.7.2, for hosts where neither the package database (rpm -q alation, dpkg-query -W alation) nor ALATION_DIR/VERSION tells it. Empty means it is read from the hosts; a host that tells another version stops the run."
  validation {
    condition     = var.alation_version == "" || length(regexall("^[0-9]+[.][0-9]+([.][0-9]+)*$", var.alation_version)) > 0
    error_message = "alation_version must be a version such as 4.7.2."
  }
}

variable "inline_threshold_gb" {
  type        = number
  default     = 100
  description = "PostgreSQL data size, in GB, above which PostgreSQL is not replicated in-line (step 5)."
  validation {
    condition     = var.inline_threshold_gb >= 0
    error_message = "inline_threshold_gb must not be negative."
  }
}

variable "minimize_downtime" {
  type        = bool
  default     = false
  description = "Whether downtime must be minimal, which rules out in-line PostgreSQL replication (step 5)."
}

variable "fix_disks" {
  type        = bool
  default     = false
  description = "Whether to configure the Secondary's data and backup disks (data_disk, backup_disk) when they are not valid. Otherwise invalid disks stop the run."
}

variable "data_disk" {
  type        = string
  default     = ""
  description = "The Secondary's data disk to configure when fix_disks is true, an existing directory such as /data."
  validation {
    condition     = var.data_disk == "" || substr(var.data_disk, 0, 1) == "/"
    error_message = "data_disk must be an absolute path."
  }
}

variable "backup_disk" {
  type        = string
  default     = ""
  description = "The Secondary's backup disk to configure when fix_disks is true, an existing directory such as /backup."
  validation {
    condition     = var.backup_disk == "" || substr(var.backup_disk, 0, 1) == "/"
    error_message = "backup_disk must be an absolute path."
  }
}

variable "max_mongo_lag" {
  type        = number
  default     = 60
  description = "The MongoDB replication lag, in seconds, that counts as caught up (step 6)."
  validation {
    condition     = var.max_mongo_lag >= 0
    error_message = "max_mongo_lag must not be negative."
  }
}

variable "mongo_wait" {
  type        = string
  default     = "24h"
  description = "How long to wait for MongoDB to catch up (step 6). Right after setup the lag reads hours, and Alation's docs say replication may take hours and in some cases days; the progress shows the lag, how fast it falls and when it will be caught up. A wait that runs out says what it last saw: run again with --resume and a longer mongo_wait. It bounds the step, and so wins over a shorter --timeout."
}

variable "action_timeout" {
  type        = string
  default     = "30m"
  description = "How long steps 4 and 5's Alation commands on the Primary (cluster_enter_master_mode, setting alation.cluster.hosts) may take, each, before the run stops waiting. It also wins over a shorter --timeout. A command cut short is judged by its effect, and the error says it may still be running."
  validation {
    condition     = length(regexall("^([0-9]+(ms|s|m|h))+$", var.action_timeout)) > 0
    error_message = "action_timeout must be a duration such as 30m or 1h30m."
  }
}

variable "replicate_timeout" {
  type        = string
  default     = "48h"
  description = "How long step 5's replication may take: cluster_add_slaves and cluster_replicate_postgres, which copy the Primary's PostgreSQL data to the Secondary (hours, in some cases days, for large data), then the wait for streaming (pg_wait). It also wins over a shorter --timeout."
  validation {
    condition     = length(regexall("^([0-9]+(ms|s|m|h))+$", var.replicate_timeout)) > 0
    error_message = "replicate_timeout must be a duration such as 12h."
  }
}

variable "mongo_user" {
  type        = string
  default     = ""
  description = "A user of MongoDB's admin database that may read the replication state (the clusterMonitor role), for servers that require authentication; the preflight and step 6 read MongoDB as it. Empty means MongoDB is read without authenticating."
  validation {
    condition     = length(regexall("[[:cntrl:]]", var.mongo_user)) == 0
    error_message = "mongo_user must not hold control characters."
  }
}

variable "mongo_password" {
  type        = string
  default     = ""
  sensitive   = true
  description = "The password of mongo_user. It reaches the mongo shell on the hosts in a script on standard input, never on a command line; give it in a -var-file or as RUNBOOK_VAR_mongo_password rather than with -var."
}

variable "pg_wait" {
  type        = string
  default     = "6h"
  description = "How long to wait, once PostgreSQL's data is copied, for the Secondary to catch up and stream from the Primary (step 6); the progress shows how far behind it is and how fast that falls. A wait that runs out says what it last saw: run again with --resume and a longer pg_wait; the data is not copied again."
}

locals {
  primary_cidr   = var.primary_cidr != "" ? var.primary_cidr : "${var.primary}/32"
  secondary_cidr = var.secondary_cidr != "" ? var.secondary_cidr : "${var.secondary}/32"
  # The ports the hosts must reach each other on: SSH, PostgreSQL
  # replication, MongoDB replication and the KVStore.
  ports = [var.ssh_port, 5432, 27017, 8088]
}

host "primary" {
  address       = var.primary
  port          = var.ssh_port
  user          = var.ssh_user
  identity_file = var.identity_file
  sudo_password = var.sudo_password
  groups        = ["pair"]
  vars = {
    peer         = "secondary"
    peer_address = var.secondary
  }
}

host "secondary" {
  address       = var.secondary
  port          = var.ssh_port
  user          = var.ssh_user
  identity_file = var.identity_file
  sudo_password = var.sudo_password
  groups        = ["pair"]
  vars = {
    peer         = "primary"
    peer_address = var.primary
  }
}

# ---------------------------------------------------------------------------
# Preflight: read-only, on both hosts at once. Nothing below changes a host
# until every check here has passed.
# ---------------------------------------------------------------------------

# Prerequisites and step 1: version and layout, services, replication mode,
# machine id, the address with CIDR each host uses to reach the other, and
# whether PostgreSQL already streams from the Primary to the Secondary.
task "alation_facts" "facts" {
  on             = group.pair
  peer           = self.vars.peer
  self_address   = self.address
  version        = var.alation_version
  mongo_user     = var.mongo_user
  mongo_password = var.mongo_password
}

# Prerequisites: the ports between Primary and Secondary, both ways: SSH
# (signalling and file transfer), PostgreSQL and MongoDB replication, and
# the KVStore.
task "wait_for" "port_ssh" {
  on     = group.pair
  host   = self.vars.peer_address
  port   = local.ports[0]
  within = "10s"
}

task "wait_for" "port_postgres" {
  on     = group.pair
  host   = self.vars.peer_address
  port   = local.ports[1]
  within = "10s"
}

task "wait_for" "port_mongo" {
  on     = group.pair
  host   = self.vars.peer_address
  port   = local.ports[2]
  within = "10s"
}

task "wait_for" "port_kvstore" {
  on     = group.pair
  host   = self.vars.peer_address
  port   = local.ports[3]
  within = "10s"
}

# The version decides everything below: it must be read from the hosts,
# or given, never guessed.
task "assert" "version_known" {
  that    = task.facts.on.primary.version != "" && task.facts.on.secondary.version != ""
  message = "the Alation version of ${join(" and ", compact([task.facts.on.primary.version != "" ? "" : "the primary (${var.primary})", task.facts.on.secondary.version != "" ? "" : "the secondary (${var.secondary})"]))} is unknown: neither the package database (rpm -q alation, dpkg-query -W alation) nor ALATION_DIR/VERSION tells it; give it with -var alation_version=4.7.2 (your version)"
}

# Prerequisites: the same Alation version on both servers.
task "assert" "same_version" {
  depends_on = [task.version_known]
  that       = task.facts.on.primary.version == task.facts.on.secondary.version
  message    = "the primary (${var.primary}) runs Alation ${task.facts.on.primary.version} and the secondary (${var.secondary}) ${task.facts.on.secondary.version}: install the same version on both"
}

# This procedure is the one for 4.7 and below.
task "assert" "supported_version" {
  depends_on = [task.version_known]
  that       = task.facts.on.primary.major < 4 || (task.facts.on.primary.major == 4 && task.facts.on.primary.minor <= 7)
  message    = "Alation ${task.facts.on.primary.version} on ${var.primary} is 4.8 or later, whose HA setup differs (alation_action cluster_generate_keys): this playbook is for 4.7 and below and would break the pair; follow Alation's procedure for your version"
}

# Prerequisites: Alation services started on both servers.
task "assert" "services_running" {
  that    = task.facts.on.primary.services_running && task.facts.on.secondary.services_running
  message = "Alation is not running on ${join(" and ", [for name, f in task.facts.on : "the ${name} (${name == "primary" ? var.primary : var.secondary}${length(f.services_down) > 0 ? ": ${jsonencode(f.services_down)}" : ""})" if !f.services_running])}: run sudo /etc/init.d/alation start there, and look into any service that stays down"
}

# Prerequisites: standalone mode on both servers, or already this pair.
# The Primary may already be master of the Secondary and nobody else, and
# its PostgreSQL must not be a standby.
task "assert" "primary_mode" {
  that = (contains(["standalone", "master"], task.facts.on.primary.replication_mode) && !task.facts.on.primary.pg_in_recovery &&
  length(setsubtract(task.facts.on.primary.cluster_hosts, [local.secondary_cidr, var.secondary])) == 0)
  message = "the primary (${var.primary}) is in ${task.facts.on.primary.replication_mode} mode with alation.cluster.hosts ${jsonencode(task.facts.on.primary.cluster_hosts)}${task.facts.on.primary.pg_in_recovery ? ", its PostgreSQL a standby of ${task.facts.on.primary.pg_upstream == "" ? "an unnamed primary" : task.facts.on.primary.pg_upstream}" : ""}: it must be standalone, or master of ${local.secondary_cidr} alone; run alation_action cluster_enter_standalone_mode there"
}

# The Secondary may already be attached to this Primary and no other: its
# PostgreSQL a standby of the Primary, or not yet a standby while the
# Primary lists it in alation.cluster.hosts (a run cut off in step 5).
task "assert" "secondary_mode" {
  that = ((task.facts.on.secondary.replication_mode == "standalone" && !task.facts.on.secondary.pg_in_recovery) ||
    (task.facts.on.secondary.replication_mode == "slave" && (task.facts.on.secondary.pg_upstream == var.primary ||
  (!task.facts.on.secondary.pg_in_recovery && contains(task.facts.on.primary.cluster_hosts, local.secondary_cidr)))))
  message = "the secondary (${var.secondary}) is in ${task.facts.on.secondary.replication_mode} mode${task.facts.on.secondary.pg_in_recovery ? ", its PostgreSQL a standby of ${task.facts.on.secondary.pg_upstream == "" ? "an unnamed primary" : task.facts.on.secondary.pg_upstream}" : ""}: it must be standalone (or already a secondary of ${var.primary}); run alation_action cluster_enter_standalone_mode there"
}

# Two addresses of one machine would make the pair replicate to itself.
# The machine id alone cannot tell: EL6 has none in /etc, and VMs cloned
# from one template share theirs; the identity adds the SSH host keys and
# the interface addresses.
task "assert" "distinct_machines" {
  that    = task.facts.on.primary.machine_identity != task.facts.on.secondary.machine_identity
  message = "${var.primary} and ${var.secondary} are the same machine (the same ${task.facts.on.primary.machine_evidence}): give the addresses of two hosts"
}

# Step 3 warns that a MOTD breaks replication's ssh and rsync: logins must
# print nothing.
task "assert" "clean_logins" {
  that    = task.facts.on.primary.login_clean && task.facts.on.secondary.login_clean
  message = "a non-interactive login as ${var.ssh_user} prints something (${task.facts.on.primary.login_clean ? "" : "primary ${var.primary}: ${jsonencode(task.facts.on.primary.login_output)} "}${task.facts.on.secondary.login_clean ? "" : "secondary ${var.secondary}: ${jsonencode(task.facts.on.secondary.login_output)}"}): run touch ~/.hushlogin as ${var.ssh_user} there, and silence its shell start-up files"
}

# Step 3 makes each host's Alation shell user trust the other's host key
# as runbook verified it, and replication's ssh checks it: that ssh must
# know keys of that type (OpenSSH before 6.5 knows no ed25519, before 5.7
# no ECDSA).
task "assert" "ssh_knows_host_keys" {
  that = task.facts.on.primary.ssh_knows_peer_key && task.facts.on.secondary.ssh_knows_peer_key
  message = "${join("; ", compact([for name, f in task.facts.on : f.ssh_knows_peer_key ? "" : format(
    "ssh on the %s (%s, %s) cannot check the %s host key of the %s (%s) that runbook verified",
    name, name == "primary" ? var.primary : var.secondary, f.ssh_version, f.peer_host_key_type,
    name == "primary" ? "secondary" : "primary", name == "primary" ? var.secondary : var.primary,
  )]))}: make the control node's known_hosts hold only the RSA host key of that host (ssh-keyscan -t rsa ADDRESS, its fingerprint checked on the host), so that runbook verifies a key the other's ssh knows, and run again"
}

# Prerequisites: the hosts communicate over the PostgreSQL and MongoDB
# ports. The procedure lists this before its steps, and no step opens
# them: PostgreSQL's default listen_addresses is 'localhost', and mongod
# packages bind 127.0.0.1, so the operator must open them first.
task "assert" "listen_for_peer" {
  that    = length(task.facts.on.primary.local_only) == 0 && length(task.facts.on.secondary.local_only) == 0
  message = "${join("; ", [for name, f in task.facts.on : "the ${name} (${name == "primary" ? var.primary : var.secondary}) listens only on itself for ${join(" and ", f.local_only)}" if length(f.local_only) > 0])}: the other host cannot replicate from it. Before setup, make PostgreSQL listen on the host's address (listen_addresses = '*' or the address, in postgresql.conf) and mongod too (bindIp, bind_ip before 2.6, in mongod.conf), then restart Alation there (sudo /etc/init.d/alation stop, then start)"
}

# Prerequisites: data and backup disks configured on the Secondary,
# checked read-only (invalid disks stop the run here). With fix_disks they
# are fixed instead, which is a change and waits for the question below.
task "disk_check" "secondary_disks" {
  on   = [host.secondary]
  when = !var.fix_disks
}

# Every read-only check has passed; what follows changes the hosts.
task "assert" "preflight" {
  depends_on = [
    task.version_known, task.same_version, task.supported_version, task.services_running, task.primary_mode,
    task.secondary_mode, task.distinct_machines, task.clean_logins, task.ssh_knows_host_keys, task.listen_for_peer, task.secondary_disks,
    task.port_ssh, task.port_postgres, task.port_mongo, task.port_kvstore,
  ]
  that = true
  success_message = format(
    "preflight passed: Alation %s, %s; cluster host %s",
    task.facts.on.primary.version,
    join(", ", [for name, f in task.facts.on : format(
      "%s %s reaches the %s%s",
      name,
      f.source_cidr != "" ? f.source_cidr : "(address unknown)",
      name == "primary" ? "secondary" : "primary",
      f.peer_local ? " over a local route (one machine holds both addresses)" : "",
    )]),
    local.secondary_cidr,
  )
}

# The one question, asked before the first change: step 5 replaces the
# Secondary's PostgreSQL data unless the Secondary is already a slave whose
# PostgreSQL is a standby of the Primary, streaming from it, the test
# pg_replicate makes before it skips the copy; the preflight's facts make
# the same test. A run that
# cannot ask (no terminal, no --yes) stops here, having changed nothing.
task "assert" "confirm_replace" {
  depends_on = [task.preflight]
  confirm = (
    task.facts.on.secondary.replication_mode == "slave" && task.facts.on.secondary.pg_in_recovery && task.facts.on.secondary.pg_upstream == var.primary && task.facts.on.primary.pg_streams_to_peer
  ) ? null : "Replicate PostgreSQL from ${var.primary} to ${var.secondary}? ${var.secondary} is not yet a secondary streaming from ${var.primary}, so this replaces the secondary's PostgreSQL data with the primary's."
  that = true
}

# ---------------------------------------------------------------------------
# Setup.
# ---------------------------------------------------------------------------

# Prerequisites, with fix_disks: configure the Secondary's data and backup
# disks when they are not valid, the first change.
task "disk_check" "fix_secondary_disks" {
  on          = [host.secondary]
  depends_on  = [task.confirm_replace]
  when        = var.fix_disks
  fix         = var.fix_disks
  data_path   = var.data_disk
  backup_path = var.backup_disk
}

# Step 2, on both hosts at once: the replication key pair
# (unjailed_key_exchange, given the other host's address).
task "replication_key" "replication_keys" {
  on           = group.pair
  depends_on   = [task.fix_secondary_disks]
  peer         = self.vars.peer
  peer_address = self.vars.peer_address
}

# Steps 2 and 3: each public key copied to the other host, each host's key
# (as runbook verified it) trusted by the other's Alation shell user, then
# SSH verified from each host's Alation shell to the other with the
# replication key, .hushlogin touched.
task "key_exchange" "keys" {
  on           = [host.primary]
  depends_on   = [task.replication_keys.on]
  peer         = host.secondary
  self_address = var.primary
  ssh_user     = var.ssh_user
  ssh_port     = var.ssh_port
}

# Step 4: change the Primary from standalone to master mode.
task "alation_shell" "master_mode" {
  on         = [host.primary]
  depends_on = [task.keys]
  action     = "cluster_enter_master_mode"
  timeout    = var.action_timeout
}

# Step 5: add the Secondary's address with CIDR to alation.cluster.hosts
# on the Primary.
task "alation_shell" "cluster_hosts" {
  on         = [host.primary]
  depends_on = [task.master_mode]
  key        = "alation.cluster.hosts"
  values     = [local.secondary_cidr]
  timeout    = var.action_timeout
}

# Step 5, 5a and 5b: decide on in-line replication; when not in-line set
# alation.cluster.pg_repl_in_line False on the Secondary; run
# cluster_add_slaves on the Primary; when not in-line run
# cluster_replicate_postgres on the Secondary. Then wait until the
# Secondary streams (step 6.1).
#
# Both actions run as detached jobs on their hosts, their logs shown as
# they come: a dropped connection, a killed runbook or a Ctrl-C leaves
# them running, and runbook run --resume re-attaches to them rather than
# run them twice.
#
# The Secondary's data may be replaced only when confirm_replace asked:
# should the pair have changed since the preflight, replace_data false
# makes the step fail rather than replace the data unasked.
task "pg_replicate" "replicate" {
  on         = [host.primary]
  depends_on = [task.cluster_hosts]
  timeout    = var.replicate_timeout
  replace_data = !(
    task.facts.on.secondary.replication_mode == "slave" && task.facts.on.secondary.pg_in_recovery && task.facts.on.secondary.pg_upstream == var.primary && task.facts.on.primary.pg_streams_to_peer
  )
  secondary           = host.secondary
  primary_address     = var.primary
  inline_threshold_gb = var.inline_threshold_gb
  minimize_downtime   = var.minimize_downtime
  wait                = var.pg_wait
}

# Step 6.1: verify PostgreSQL replication: the Secondary is attached to the
# Primary and its replay lag is known.
task "assert" "postgres_streaming" {
  that            = task.replicate.on.primary.client_addr != "" && task.replicate.on.primary.byte_lag >= 0
  message         = "pg_stat_replication on ${var.primary} does not show ${var.secondary} streaming"
  success_message = "PostgreSQL streams to ${task.replicate.on.primary.client_addr}, ${task.replicate.on.primary.byte_lag} bytes behind (${task.replicate.on.primary.inline ? "replicated in-line" : "replicated with cluster_replicate_postgres"}, ${task.replicate.on.primary.data_bytes} bytes of data)"
}

# Step 6.2: verify the MongoDB lag; it reads hours right after setup and
# falls as the Secondary works through the backlog.
task "mongo_lag" "mongo_caught_up" {
  on             = [host.primary]
  depends_on     = [task.postgres_streaming]
  source         = var.secondary
  timeout        = var.mongo_wait
  max_lag        = var.max_mongo_lag
  wait           = var.mongo_wait
  mongo_user     = var.mongo_user
  mongo_password = var.mongo_password
}
