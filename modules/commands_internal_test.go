package modules

import (
	"reflect"
	"strings"
	"testing"
)

// The dnf and yum paths of package, and the systemd path of service,
// cannot run on this Debian machine, where no systemd runs: these tests
// pin the commands they build and how their output is read.

func TestPackageCommandsOfDnfAndYum(t *testing.T) {
	dnf, yum := packageManager{name: "dnf"}, packageManager{name: "yum"}
	for _, c := range []struct {
		got  []string
		want string
	}{
		{dnf.change("present", []string{"nginx", "git"}), "dnf install -y -q nginx git"},
		{yum.change("latest", []string{"nginx"}), `/bin/sh -c "$0" install -y -q "$@" && "$0" upgrade -y -q "$@" yum nginx`},
		{yum.change("absent", []string{"nginx"}), "yum remove -y -q nginx"},
		{yum.refresh(), "yum makecache -q -y"},
		{dnf.query([]string{"nginx"}), "rpm -q --qf %{NAME}\t%{VERSION}-%{RELEASE}\n nginx"},
		{packageManager{name: "apt"}.change("absent", []string{"nginx"}), "apt-get remove -y -q nginx"},
	} {
		if got := strings.Join(c.got, " "); got != c.want {
			t.Errorf("command %q, want %q", got, c.want)
		}
	}
}

func TestPackageReadsRpmAndDnfOutput(t *testing.T) {
	dnf := packageManager{name: "dnf"}
	got := dnf.parseInstalled("nginx\t1.20.1-14.el9\npackage git is not installed\n", []string{"nginx", "git"})
	if want := map[string]string{"nginx": "1.20.1-14.el9"}; !reflect.DeepEqual(got, want) {
		t.Errorf("installed = %v, want %v", got, want)
	}
	updates := "\nnginx.x86_64                1:1.22.1-2.el9             appstream\nother.noarch  2-1  baseos\n"
	if got := dnf.parseUpgradable(updates, []string{"nginx"}); !reflect.DeepEqual(got, []string{"nginx"}) {
		t.Errorf("upgradable = %v, want [nginx]", got)
	}
	apt := packageManager{name: "apt"}
	got = apt.parseInstalled("libc6\tii \t2.36-9\nold\trc \t1.0\n", []string{"libc6:amd64", "old"})
	if want := map[string]string{"libc6:amd64": "2.36-9"}; !reflect.DeepEqual(got, want) {
		t.Errorf("apt installed = %v, want %v (a removed package's config is not an installed package)", got, want)
	}
}

func TestServiceCommandsOfSystemd(t *testing.T) {
	sd, sysv := serviceManager{kind: "systemd", name: "nginx"}, serviceManager{kind: "sysv", name: "nginx"}
	for _, c := range []struct {
		got  []string
		want string
	}{
		{sd.action("restart"), "systemctl restart nginx"},
		{sd.enable(true), "systemctl enable nginx"},
		{sd.enable(false), "systemctl disable nginx"},
		{sysv.action("stop"), "/etc/init.d/nginx stop"},
	} {
		if got := strings.Join(c.got, " "); got != c.want {
			t.Errorf("command %q, want %q", got, c.want)
		}
	}
}
