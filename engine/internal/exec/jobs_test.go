package exec

import (
	"errors"
	"testing"
	"time"

	"github.com/runbookhq/runbook/engine/job"
	"github.com/runbookhq/runbook/engine/journal"
)

// TestAbandonJobs gives up the jobs of a run on one host: only the jobs
// that may still run there end abandoned, in a copy of the run, the run
// itself left as it was; the jobs given up are returned with their
// instances. A host with no such job, or a journal with no run, is
// refused.
func TestAbandonJobs(t *testing.T) {
	last := &journal.Run{Records: []journal.Record{
		{Task: "replicate", Host: "primary", Status: "cancelled", Jobs: []job.Mark{
			{Key: "cluster_add_slaves", Host: "primary", Ref: job.Ref{ID: "a1"}, End: job.EndExited},
			{Key: "cluster_replicate_postgres", Host: "secondary", Ref: job.Ref{ID: "b2"}},
		}},
		{Task: "other", Host: "primary", Status: "cancelled", Jobs: []job.Mark{{Key: "k", Host: "primary", Ref: job.Ref{ID: "c3"}}}},
	}}
	now := time.Now()
	run, abandoned, err := abandonJobs(last, []string{"secondary"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(abandoned) != 1 || abandoned[0].Instance != "replicate@primary" || abandoned[0].Job.ID != "b2" || abandoned[0].Job.End != "" || !abandoned[0].At.Equal(now) {
		t.Errorf("abandoned %+v, want job b2 of replicate@primary as recorded", abandoned)
	}
	got := []string{run.Records[0].Jobs[0].End, run.Records[0].Jobs[1].End, run.Records[1].Jobs[0].End}
	if want := []string{job.EndExited, job.EndAbandoned, ""}; got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("the ends of the jobs are %q, want %q", got, want)
	}
	if last.Records[0].Jobs[1].End != "" {
		t.Error("the run given was changed")
	}
	if jobs := runningJobs(run.Records[0].Jobs); len(jobs) != 0 {
		t.Errorf("jobs left running after they were given up: %+v", jobs)
	}
	for _, hosts := range [][]string{{"secondary", "gone"}, {"primary", "secondary", "nowhere"}} {
		if _, _, err := abandonJobs(last, hosts, now); !errors.Is(err, ErrNoJobToAbandon) {
			t.Errorf("abandon on %q: %v, want ErrNoJobToAbandon", hosts, err)
		}
	}
	if _, _, err := abandonJobs(nil, []string{"secondary"}, now); !errors.Is(err, ErrNoJobToAbandon) {
		t.Errorf("abandon with no run: %v, want ErrNoJobToAbandon", err)
	}
}
