package de.inboxgateway.support;

import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a leased background job (media downloads, ERP push, broadcasts) needs of its instance: a name
 * to write as the lease owner, unique per running job even with several gateways in one JVM, and a
 * pool of slots so that one instance never runs more of that work at once than it may.
 */
public final class WorkSlots {

    private final String owner = newOwner();
    private final AtomicInteger free;

    public WorkSlots(int size) {
        this.free = new AtomicInteger(size);
    }

    /** A lease owner for a job without a slot pool: the process and a random part. */
    public static String newOwner() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getName() + "/"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    /** The lease owner this job writes. */
    public String owner() {
        return owner;
    }

    /** Takes every free slot at once (0 when none is free); give back what is not used. */
    public int takeAll() {
        while (true) {
            int now = free.get();
            if (now <= 0 || free.compareAndSet(now, 0)) {
                return Math.max(now, 0);
            }
        }
    }

    public void giveBack(int slots) {
        free.addAndGet(slots);
    }
}
