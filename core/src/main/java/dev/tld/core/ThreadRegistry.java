// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import jnr.ffi.Pointer;

import dev.tld.core.internal.LibC;
import dev.tld.core.internal.NativeBlock;
import dev.tld.core.internal.Natives;

/**
 * The threads holding a block: registration on first use, release once the OS thread has
 * exited. Registration failures leave the thread usable (request threads must not fail
 * because tracing does); they are counted, with the reason, in the {@link Instance}.
 */
final class ThreadRegistry {

	private final Instance owner;

	private final Natives natives;

	private final Registrar registrar;

	private final long mappingSize;

	private final Set<TldThread> threads = ConcurrentHashMap.newKeySet();

	ThreadRegistry(Instance owner, Natives natives, Registrar registrar, long mappingSize) {
		this.owner = owner;
		this.natives = natives;
		this.registrar = registrar;
		this.mappingSize = mappingSize;
	}

	/**
	 * Give the calling thread a block and register it with every map. Callers hold the
	 * lock.
	 * @throws BpfException if no memory can be mapped for the block
	 */
	TldThread registerCurrent(List<BpfMap> maps) {
		LibC libc = this.natives.libc();
		int tid = libc.gettid();
		int pidfd = (int) libc.syscall(LibC.SYS_PIDFD_OPEN, tid, LibC.PIDFD_THREAD);
		String pidfdError = (pidfd < 0) ? "pidfd_open(" + tid + ", PIDFD_THREAD) failed: "
				+ this.natives.strerror(this.natives.errno()) + " (needs Linux 6.9+)" : null;
		NativeBlock block;
		try {
			block = NativeBlock.map(this.mappingSize);
		}
		catch (RuntimeException ex) {
			if (pidfd >= 0) {
				libc.close(pidfd);
			}
			throw ex;
		}
		Pointer p = block.pointer();
		p.putShort(TldLayout.DATA_VERSION_OFF, (short) TldLayout.ABI_VERSION);
		p.putInt(TldLayout.DATA_TID_OFF, tid);
		// The magic last: a reader that sees it sees the header.
		VarHandle.releaseFence();
		p.putInt(TldLayout.DATA_MAGIC_OFF, TldLayout.DATA_MAGIC);
		TldThread t = new TldThread(this.owner, Thread.currentThread(), tid, Math.max(pidfd, -1), block);
		if (pidfdError != null) {
			this.owner.registrationFailed(t, pidfdError);
		}
		else {
			for (BpfMap map : maps) {
				register(t, map);
			}
		}
		this.threads.add(t);
		return t;
	}

	/** Register one thread with one map; false (counted) if the map refuses it. */
	boolean register(TldThread t, BpfMap map) {
		if (t.pidfd < 0) {
			return false;
		}
		try {
			this.registrar.put(t, map);
			t.maps.add(map.id());
			return true;
		}
		catch (BpfException | IllegalStateException ex) {
			this.owner.registrationFailed(t,
					"cannot register thread " + t.tid() + " with " + map + ": " + ex.getMessage());
			return false;
		}
	}

	/** Register every thread with a map; returns how many failed. */
	int registerAll(BpfMap map) {
		int failed = 0;
		for (TldThread t : this.threads) {
			if (!register(t, map)) {
				failed++;
			}
		}
		return failed;
	}

	/** Delete every thread's element from a map. */
	void unregisterAll(BpfMap map) {
		for (TldThread t : this.threads) {
			unregister(t, map);
		}
	}

	private void unregister(TldThread t, BpfMap map) {
		t.maps.remove(map.id());
		if (t.pidfd < 0) {
			return;
		}
		try {
			int rc = this.registrar.delete(t, map);
			if (rc < 0) {
				this.owner
					.error("cannot unregister thread " + t.tid() + " from " + map + ": " + this.natives.strerror(rc));
			}
		}
		catch (IllegalStateException ex) {
			// The map's fd is closed: its elements went with it unless it is pinned.
			this.owner.error("cannot unregister thread " + t.tid() + ": " + ex.getMessage());
		}
	}

	/**
	 * Compare what BPF sees in a map with the live threads, and register again every
	 * thread whose element is missing or is not its own. Callers hold the lock.
	 * @param map the audited map
	 * @param seen every thread of the process, as BPF read the map
	 * @param owner the owner cookie of this instance's key table
	 * @return the elements registered again because a foreign writer deleted or replaced
	 * them
	 */
	int audit(BpfMap map, List<ElementAudit.Element> seen, long owner) {
		java.util.Map<Integer, ElementAudit.Element> byTid = new java.util.HashMap<>();
		for (ElementAudit.Element e : seen) {
			if (e.tid() != 0) {
				byTid.put(e.tid(), e);
			}
		}
		int repaired = 0;
		for (TldThread t : this.threads) {
			ElementAudit.Element e = byTid.get(t.tid());
			// A thread that exited, or is exiting, is the release's business.
			if (t.pidfd < 0 || e == null || !t.thread().isAlive()) {
				continue;
			}
			String problem = e.problem(owner);
			if (problem == null) {
				continue;
			}
			if (!t.maps.contains(map.id())) {
				continue; // its registration with this map failed (counted and said then)
			}
			t.maps.remove(map.id());
			this.owner.tampered("the element of thread " + t.tid() + " (" + t.thread().getName() + ") in " + map + " "
					+ problem + " by another writer of the map; registered again");
			if (register(t, map)) {
				repaired++;
			}
		}
		return repaired;
	}

	/**
	 * Release the threads whose OS thread has exited: delete their elements, zero and
	 * unmap their blocks, close their pidfds. Callers hold the lock.
	 * @return the number released
	 */
	int releaseDead(List<BpfMap> maps) {
		List<TldThread> dead = new ArrayList<>();
		for (TldThread t : this.threads) {
			if (!t.thread().isAlive() && exited(t)) {
				dead.add(t);
			}
		}
		for (TldThread t : dead) {
			release(t, maps);
		}
		return dead.size();
	}

	/** Dead threads that have not been released yet, without taking the lock. */
	boolean anyDead() {
		for (TldThread t : this.threads) {
			if (!t.thread().isAlive()) {
				return true;
			}
		}
		return false;
	}

	/**
	 * At close, after every map was detached: release the dead threads, and let go of the
	 * live ones. A live thread's block cannot be unmapped now (its owner may be writing
	 * to it): its pidfd is closed, and the block is unmapped by the owner's next use of
	 * it, or once the handle becomes unreachable ({@link TldThread}).
	 */
	void closeAll() {
		for (TldThread t : List.copyOf(this.threads)) {
			if (!t.thread().isAlive() && exited(t)) {
				release(t, List.of());
			}
			else {
				this.threads.remove(t);
				closePidfd(t);
			}
		}
	}

	private void release(TldThread t, List<BpfMap> maps) {
		if (!this.threads.remove(t)) {
			return;
		}
		for (BpfMap map : maps) {
			unregister(t, map);
		}
		t.maps.clear();
		t.freeBlock();
		closePidfd(t);
		this.owner.releasedOne();
	}

	private void closePidfd(TldThread t) {
		if (t.pidfd >= 0) {
			this.natives.libc().close(t.pidfd);
		}
	}

	/**
	 * Whether the OS thread is gone. {@code Thread.isAlive()} turns false shortly before
	 * the OS thread exits; a thread pidfd becomes readable only once it has.
	 */
	private boolean exited(TldThread t) {
		if (t.pidfd < 0) {
			return true; // never registered: nothing in the kernel refers to its block
		}
		Pointer pfd = this.natives.allocate(8);
		pfd.putInt(0, t.pidfd);
		pfd.putShort(4, LibC.POLLIN);
		int rc = this.natives.libc().poll(pfd, 1, 0);
		return rc > 0 && pfd.getShort(6) != 0;
	}

	int size() {
		return this.threads.size();
	}

	List<TldThread> snapshot() {
		return List.copyOf(this.threads);
	}

}
