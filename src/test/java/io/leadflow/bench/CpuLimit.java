package io.leadflow.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A share of the CPU for one process, through a control group of the kernel's cgroup v1 {@code cpu} controller
 * (a quota of CPU time per 100 ms period). It lets M6 give each node cores of its own on a machine that has only
 * two, as each node would have on a host of its own. Needs a writable {@code /sys/fs/cgroup/cpu} (root, cgroup v1);
 * elsewhere {@link #create} answers empty and says why.
 */
final class CpuLimit implements AutoCloseable {

    private static final Path ROOT = Path.of("/sys/fs/cgroup/cpu");
    private static final long PERIOD_US = 100_000;

    private final Path group;

    private CpuLimit(Path group) {
        this.group = group;
    }

    /** A group allowed {@code cpus} cores' worth of time (0.5: half a core), or empty when the kernel won't have it. */
    static Optional<CpuLimit> create(String name, double cpus) {
        Path group = ROOT.resolve(name);
        try {
            if (!Files.isWritable(ROOT.resolve("cgroup.procs"))) {
                System.out.println("bench: no CPU limits: " + ROOT + " is not a writable cgroup v1 cpu controller"
                        + " (run as root on cgroup v1)");
                return Optional.empty();
            }
            Files.createDirectories(group);
            Files.writeString(group.resolve("cpu.cfs_period_us"), String.valueOf(PERIOD_US));
            Files.writeString(group.resolve("cpu.cfs_quota_us"), String.valueOf(Math.round(cpus * PERIOD_US)));
            return Optional.of(new CpuLimit(group));
        } catch (IOException e) {
            System.out.println("bench: no CPU limits: " + group + ": " + e);
            return Optional.empty();
        }
    }

    /** Moves the process, all its threads, into the group. */
    void add(long pid) {
        try {
            Files.writeString(group.resolve("cgroup.procs"), String.valueOf(pid));
        } catch (IOException e) {
            throw new UncheckedIOException("Could not limit process " + pid + " in " + group, e);
        }
    }

    /** Periods in which the group used up its quota and waited. */
    long throttledPeriods() {
        try {
            return Files.readAllLines(group.resolve("cpu.stat")).stream().filter(l -> l.startsWith("nr_throttled "))
                    .mapToLong(l -> Long.parseLong(l.substring(13).trim())).findFirst().orElse(0);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Moves whatever is left in the group back to the root group and removes it. */
    @Override
    public void close() {
        try {
            for (String pid : Files.readAllLines(group.resolve("cgroup.procs"))) {
                if (!pid.isBlank()) {
                    try {
                        Files.writeString(ROOT.resolve("cgroup.procs"), pid.trim());
                    } catch (IOException gone) {
                        // the process ended meanwhile
                    }
                }
            }
            Files.delete(group);
        } catch (IOException e) {
            System.out.println("bench: could not remove " + group + ": " + e);
        }
    }
}
