#!/bin/sh
# PID 1 of the test VM. The root file system is the host's, read-only over
# 9p: give the guest its own proc/sys/dev and tmpfs scratch, then run the
# command the host left in $ZCRX_IO/cmd (or a shell), record its exit
# status and reset the machine (QEMU runs with -no-reboot, so it exits).
#
# The kernel passes ZCRX_IO, ZCRX_CWD and ZCRX_MODE (cmd, shell or probe)
# from its command line.
#
# For the host's watchdog (scripts/vm.sh): "zcrx-vm: userspace up" in the
# kernel log ends the boot phase, and while a command runs the guest
# rewrites $ZCRX_IO/heartbeat every few seconds. The probe mode stops right
# after the marker: it only shows that the kernel reaches userspace.

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/tmp
TERM=${TERM:-linux}
export PATH HOME TERM

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
echo "zcrx-vm: userspace up" > /dev/kmsg
if [ "$ZCRX_MODE" = probe ]; then
	echo b > /proc/sysrq-trigger
fi
mkdir -p /dev/pts /dev/shm /dev/hugepages
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t hugetlbfs hugetlbfs /dev/hugepages
mount -t debugfs debugfs /sys/kernel/debug
# The scratch tmpfs mounts would hide a checkout under one of them (a CI
# clone in /tmp): keep a view of the host root and bind the checkout back.
mkdir -p /dev/.host
mount --bind / /dev/.host
for d in /tmp /run /var; do
	mount -t tmpfs -o mode=1777 tmpfs "$d"
	case $ZCRX_CWD/ in
	"$d"/*)
		mkdir -p "$ZCRX_CWD"
		mount --bind "/dev/.host$ZCRX_CWD" "$ZCRX_CWD"
		;;
	esac
done
mkdir -p /var/tmp /var/log /var/lib /run/netns
ln -s /run /var/run
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 zcrxio "$ZCRX_IO"

hostname zcrx-vm
ip link set lo up
ulimit -l unlimited
echo 1 > /proc/sys/kernel/sysrq
cd "$ZCRX_CWD" || cd /

if [ "$ZCRX_MODE" = cmd ]; then
	# The heartbeat; a command that wants to look stuck kills it
	# (the pid is in /run/zcrx-heartbeat.pid).
	while :; do
		cat /proc/uptime > "$ZCRX_IO/heartbeat"
		sleep 5
	done < /dev/null > /dev/null 2>&1 &
	echo $! > /run/zcrx-heartbeat.pid
	if [ -f "$ZCRX_IO/cmd" ]; then
		bash "$ZCRX_IO/cmd" < /dev/null > /dev/ttyS0 2>&1
		echo $? > "$ZCRX_IO/rc"
	else
		echo "vm-init: no command at $ZCRX_IO/cmd" > /dev/ttyS0
	fi
else
	echo "zcrx VM: $(uname -r); exit the shell to power off" > /dev/ttyS0
	setsid -c bash -i < /dev/ttyS0 > /dev/ttyS0 2>&1
fi
echo b > /proc/sysrq-trigger
