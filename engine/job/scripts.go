package job

// The remote side of a job: POSIX sh scripts, run as
// /bin/sh -c SCRIPT sh ARGS... so that no argument is ever parsed by a
// shell. Each starts with the functions of prelude.

// prelude defines the functions the scripts share.
//
// rb_base prints the directory that holds the jobs of the user the script
// runs as, ~/.runbook/jobs with the home directory read from the password
// database (not $HOME, which sudo may or may not reset), creating it when
// create is given. Each level must be a directory, not a link, owned by
// that user; it is made private.
//
// rb_state prints the state of the job in directory $1: "exited CODE TIME
// [SIGNAL]" once it recorded its end, "running" while the process that
// recorded itself at the start is alive (same id, same start time, same
// boot), "rebooted" when the host started again since, "vanished" when
// the process is gone without a record, and "none" when the job never
// recorded a start. rb_stat reads /proc/$1/stat into rb_st (the state
// letter), rb_pg (the process group) and rb_tk (the start time in clock
// ticks after boot), taking the fields after the command name, which may
// hold spaces and parentheses; it fails when the process is gone. A
// zombie counts as gone. rb_group says whether any live process is left
// in process group $1.
const prelude = `rb_fail() { printf 'runbook-job: %s\n' "$1" >&2; exit 3; }
rb_base() {
  rb_h=$(getent passwd "$(id -u)" 2>/dev/null | cut -d: -f6)
  [ -n "$rb_h" ] || rb_h=$HOME
  [ -n "$rb_h" ] && [ -d "$rb_h" ] || rb_fail "user $(id -un) has no home directory for the job files"
  for rb_d in "$rb_h/.runbook" "$rb_h/.runbook/jobs"; do
    if [ -n "$1" ] && [ ! -e "$rb_d" ]; then mkdir -m 700 "$rb_d" 2>/dev/null; fi
    [ -e "$rb_d" ] || return 1
    [ -d "$rb_d" ] && [ ! -L "$rb_d" ] && [ -O "$rb_d" ] || rb_fail "$rb_d is not a directory of $(id -un)'s own"
    chmod 700 "$rb_d" || rb_fail "cannot make $rb_d private"
  done
  printf '%s\n' "$rb_h/.runbook/jobs"
}
rb_stat() {
  read -r rb_l 2>/dev/null < "/proc/$1/stat" || return 1
  set -- ${rb_l##*) }
  rb_st=$1 rb_pg=$3 rb_tk=${20}
  [ "$rb_st" != Z ]
}
rb_group() {
  for rb_f in /proc/[0-9]*; do
    rb_stat "${rb_f#/proc/}" && [ "$rb_pg" = "$1" ] && return 0
  done
  return 1
}
rb_state() {
  if [ -f "$1/status" ]; then printf 'exited %s\n' "$(cat "$1/status")"; return; fi
  [ -f "$1/pid" ] || { echo none; return; }
  read -r rb_p rb_s rb_b < "$1/pid"
  [ "$rb_b" = "$(cat /proc/sys/kernel/random/boot_id)" ] || { echo rebooted; return; }
  if rb_stat "$rb_p" && [ "$rb_tk" = "$rb_s" ]; then echo running; return; fi
  if [ -f "$1/status" ]; then printf 'exited %s\n' "$(cat "$1/status")"; else echo vanished; fi
}
`

// prepareScript creates the directory of a new job, named $1, and prints
// its path.
const prepareScript = prelude + `umask 077
rb_b=$(rb_base create) || rb_fail "cannot create the job directory"
mkdir "$rb_b/$1" || rb_fail "cannot create $rb_b/$1"
printf '%s\n' "$rb_b/$1"
`

// runnerScript is the job's session leader, started by startScript in
// its own session with the job's directory as $1. It records its process
// id, start time and the boot id, runs the command, and records the exit
// status and the end time.
const runnerScript = prelude + `rb_d=$1
rb_stat $$ || exit 3
printf '%s %s %s\n' "$$" "$rb_tk" "$(cat /proc/sys/kernel/random/boot_id)" > "$rb_d/pid.new" && mv -f "$rb_d/pid.new" "$rb_d/pid" || exit 3
rb_in=/dev/null
[ -f "$rb_d/in" ] && rb_in=$rb_d/in
/bin/sh "$rb_d/cmd" < "$rb_in" >> "$rb_d/log" 2>&1
rb_c=$?
printf '%s %s\n' "$rb_c" "$(date +%s)" > "$rb_d/status.new" && mv -f "$rb_d/status.new" "$rb_d/status"
`

// inputScript stores standard input as the input of the job in
// directory $1, before it starts.
const inputScript = `umask 077
[ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] && [ ! -e "$1/pid" ] || { echo "runbook-job: $1 is not a job directory that waits to start" >&2; exit 3; }
cat > "$1/in"
`

// startScript starts the job in directory $1: it stores the command
// script read from standard input, starts runnerScript ($2) in a session
// of its own with no descriptor of this session's, waits until the
// runner has recorded itself, and prints that record.
const startScript = prelude + `umask 077
rb_d=$1
[ -d "$rb_d" ] && [ ! -L "$rb_d" ] && [ -O "$rb_d" ] || rb_fail "$rb_d is not a job directory"
[ ! -e "$rb_d/pid" ] || rb_fail "the job in $rb_d was started already"
command -v setsid >/dev/null 2>&1 || rb_fail "setsid (util-linux) is not installed; it is needed to detach a job"
cat > "$rb_d/cmd" || rb_fail "cannot write $rb_d/cmd"
: > "$rb_d/log" || rb_fail "cannot create $rb_d/log"
setsid /bin/sh -c "$2" sh "$rb_d" < /dev/null > /dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
rb_i=0
while [ ! -f "$rb_d/pid" ]; do
  rb_i=$((rb_i + 1))
  [ "$rb_i" -le 300 ] || rb_fail "the job did not start within 30 s"
  sleep 0.1 2>/dev/null || sleep 1
done
cat "$rb_d/pid"
`

// pollScript prints the state of the job in $1 and the size of its log
// on one line, then at most $3 bytes of the log from offset $2.
const pollScript = prelude + `rb_d=$1
[ -d "$rb_d" ] || { echo "missing 0"; exit 0; }
rb_st=$(rb_state "$rb_d")
rb_n=$(wc -c < "$rb_d/log" 2>/dev/null) || rb_n=0
printf '%s %s\n' "$rb_st" "$rb_n"
[ -f "$rb_d/log" ] && tail -c +"$(($2 + 1))" "$rb_d/log" | head -c "$3"
exit 0
`

// killScript ends the job in $1 when it still runs: SIGTERM to its
// process group, SIGKILL after $2 seconds when some of it is left; it
// records the end of a job it ended, then prints the job's state.
const killScript = prelude + `rb_d=$1
if [ "$(rb_state "$rb_d")" = running ]; then
  read -r rb_p rb_s rb_b < "$rb_d/pid"
  rb_sig=TERM
  kill -TERM "-$rb_p" 2>/dev/null
  rb_i=0
  while rb_group "$rb_p" && [ "$rb_i" -lt $(($2 * 10)) ]; do sleep 0.1 2>/dev/null || sleep 1; rb_i=$((rb_i + 1)); done
  if rb_group "$rb_p"; then rb_sig=KILL; kill -KILL "-$rb_p" 2>/dev/null; fi
  [ -f "$rb_d/status" ] || printf '%s %s %s\n' -1 "$(date +%s)" "$rb_sig" > "$rb_d/status"
fi
rb_state "$rb_d"
`

// removeScript deletes the directory of the job in $1 unless the job
// still runs.
const removeScript = prelude + `rb_d=$1
[ -d "$rb_d" ] || exit 0
[ "$(rb_state "$rb_d")" != running ] || rb_fail "the job in $rb_d still runs"
rm -rf -- "$rb_d"
`

// sweepScript deletes the directories of jobs that do not run and were
// last changed more than $1 minutes ago, and prints how many it deleted.
const sweepScript = prelude + `rb_b=$(rb_base) || { echo 0; exit 0; }
rb_n=0
for rb_d in "$rb_b"/*; do
  [ -d "$rb_d" ] && [ ! -L "$rb_d" ] || continue
  [ "$(rb_state "$rb_d")" != running ] || continue
  [ -n "$(find "$rb_d" -maxdepth 0 -mmin +"$1")" ] || continue
  rm -rf -- "$rb_d" && rb_n=$((rb_n + 1))
done
echo "$rb_n"
`

// tailScript prints the last $2 lines of the log of the job in $1, and
// of them the last $3 bytes at most.
const tailScript = `[ -f "$1/log" ] || exit 0
tail -n "$2" "$1/log" | tail -c "$3"
`
