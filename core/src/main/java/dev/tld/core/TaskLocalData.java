// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.tld.core.Attachments.Attachment;
import dev.tld.core.Attachments.PinWatch;
import dev.tld.core.internal.Natives;

/**
 * Task local data for this process: a key table shared by all threads, one data block per
 * OS thread, and the {@code tld_data_map}s the threads are registered with.
 *
 * <pre>{@code
 * TaskLocalData tld = TaskLocalData.create();
 * tld.attachPinned(Path.of("/sys/fs/bpf/tld/tld_data_map"));
 * TldKey tenant = tld.defineKey("tld.tenant", 32);
 * ...
 * tld.currentThread().putString(tenant, "acme");   // a plain memory store
 * }</pre>
 *
 * <h2>Protocol</h2> (see {@code docs/design.md})
 * <ul>
 * <li>A thread registers on its first {@link #currentThread()}: it maps a zeroed block,
 * opens a pidfd for itself and puts {@code {block, key table}} into every attached map
 * under that pidfd. Maps attached later get every live thread registered by
 * {@link #attach(BpfMap)}.</li>
 * <li>Keys are appended to the key table and never move, so a key defined after threads
 * registered is usable at once in every thread (its bytes read as zero until
 * written).</li>
 * <li>A dead thread is released by {@link #maintain()} (run periodically in the
 * background): once its pidfd reports that the OS thread exited, its map elements are
 * deleted and its block is zeroed and unmapped.</li>
 * <li>A map attached by path is re-resolved by {@link #maintain()}: if another map has
 * been pinned there since, every thread is registered with the new map.</li>
 * <li>{@link #maintain()} also {@linkplain #audit() audits} every map in BPF's view: an
 * element that another writer of the map deleted or replaced is registered again and
 * counted ({@link #tamperedElements()}).</li>
 * </ul>
 * Instances are thread-safe. Use one per process and map: two instances registering the
 * same thread with the same map overwrite each other's registration.
 * <p>
 * This class is a facade over package-private parts: the {@link KeyTable}, the
 * {@link Attachments} (maps and followed pins), the {@link ThreadRegistry} (blocks and
 * their release), the {@link Registrar} (map elements) and the {@link Maintenance}
 * daemon.
 */
public final class TaskLocalData implements AutoCloseable {

	/**
	 * How often dead threads are released and pins re-resolved unless configured
	 * otherwise.
	 */
	public static final Duration DEFAULT_MAINTENANCE_INTERVAL = Duration.ofSeconds(1);

	/**
	 * The shortest maintenance interval accepted: maintenance audits every map, and a
	 * shorter interval costs CPU for nothing.
	 */
	public static final Duration MIN_MAINTENANCE_INTERVAL = Duration.ofMillis(10);

	private static final @Nullable MethodHandle IS_VIRTUAL = isVirtualHandle();

	private final Instance instance = new Instance();

	private final long mappingSize;

	private final KeyTable keys;

	private final Registrar registrar;

	private final Attachments attachments = new Attachments();

	private final ThreadRegistry threads;

	private final @Nullable Maintenance maintenance;

	private TaskLocalData(Duration maintenanceInterval) {
		Natives natives = Natives.get();
		this.mappingSize = TldLayout.mappingSize(TldLayout.checkPageSize(natives.pageSize()));
		this.keys = new KeyTable(this.instance, this.mappingSize);
		this.registrar = new Registrar(natives, this.keys.address());
		this.threads = new ThreadRegistry(this.instance, natives, this.registrar, this.mappingSize);
		this.maintenance = maintenanceInterval.isZero() ? null
				: Maintenance.start(this, maintenanceInterval, this.instance);
	}

	/**
	 * Create an instance that maintains itself every
	 * {@link #DEFAULT_MAINTENANCE_INTERVAL}.
	 * @return a new instance with an empty key table and no map
	 * @throws BpfException if libbpf cannot be loaded
	 */
	public static TaskLocalData create() {
		return create(DEFAULT_MAINTENANCE_INTERVAL);
	}

	/**
	 * Create an instance.
	 * @param maintenanceInterval how often a daemon thread runs {@link #maintain()}, at
	 * least {@link #MIN_MAINTENANCE_INTERVAL}; {@link Duration#ZERO} for never (call it
	 * yourself)
	 * @return a new instance with an empty key table and no map
	 * @throws BpfException if libbpf cannot be loaded
	 * @throws IllegalArgumentException if the interval is negative or too short
	 */
	public static TaskLocalData create(Duration maintenanceInterval) {
		if (maintenanceInterval.isNegative()
				|| (!maintenanceInterval.isZero() && maintenanceInterval.compareTo(MIN_MAINTENANCE_INTERVAL) < 0)) {
			throw new IllegalArgumentException("maintenance interval must be 0 (none) or at least "
					+ MIN_MAINTENANCE_INTERVAL.toMillis() + "ms, got " + maintenanceInterval);
		}
		return new TaskLocalData(maintenanceInterval);
	}

	// ---- keys

	/**
	 * Define a key. Every thread, registered or not yet, can use it at once; its bytes
	 * read as zero until written.
	 * @param name 1 to {@value TldLayout#MAX_NAME_BYTES} characters of
	 * {@code [A-Za-z0-9_.:-]}
	 * @param size bytes of data, at least 1
	 * @return the key
	 * @throws IllegalArgumentException if the name or size is invalid
	 * @throws KeyExistsException if a key of that name exists
	 * @throws TooManyKeysException if the table already holds {@link TldLayout#MAX_KEYS}
	 * keys
	 * @throws KeyTooLargeException if the key does not fit in what is left of the block
	 */
	public TldKey defineKey(String name, int size) {
		KeyTable.checkName(name);
		this.instance.lock.lock();
		try {
			this.instance.checkOpen();
			return this.keys.define(name, size);
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	/**
	 * Find a defined key.
	 * @param name the key's name
	 * @return the key, or empty
	 */
	public Optional<TldKey> findKey(String name) {
		return this.keys.find(name);
	}

	/**
	 * The defined keys, in definition order.
	 * @return an immutable snapshot
	 */
	public List<TldKey> keys() {
		return this.keys.keys();
	}

	/**
	 * Bytes of each thread's block not yet given to a key.
	 * @return free bytes
	 */
	public int freeBytes() {
		this.instance.lock.lock();
		try {
			return this.keys.freeBytes();
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	// ---- maps

	/**
	 * Register every live thread, and every thread that registers from now on, with
	 * {@code map}. The caller keeps ownership of the map and must keep it open while
	 * attached (detach it, or close this instance, before closing its object).
	 * @param map a {@code tld_data_map} (task storage, {@code int} key, value of
	 * {@link TldLayout#MAP_VALUE_SIZE} bytes) that pins UPTRs
	 * @return the number of threads that failed to register (see {@link #lastError()})
	 * @throws IllegalArgumentException if {@code map} is not a compatible map
	 * @throws BpfException with {@link Errno#EOPNOTSUPP} if the map keeps addresses as
	 * plain numbers instead of pinning them (checked before any thread registers)
	 */
	public int attach(BpfMap map) {
		return attach(new Attachment(map, false));
	}

	/**
	 * Attach the map pinned at {@code path} (unless it is attached already), and follow
	 * the pin: if {@link #maintain()} finds another map pinned there later (a tool
	 * restarted and pinned a fresh map), every thread is registered with that map too. A
	 * map attached only because it was pinned there is released when the pin moves on; a
	 * map attached with {@link #attach(BpfMap)} stays attached (its programs may still
	 * read it).
	 * @param path the pin in bpffs
	 * @return the number of threads that failed to register
	 * @throws BpfException if nothing is pinned there
	 * @throws IllegalArgumentException if the pinned map is not compatible
	 */
	public int attachPinned(Path path) {
		BpfMap map = BpfMap.openPinned(path);
		this.instance.lock.lock();
		try {
			this.instance.checkOpen();
			PinWatch watch = new PinWatch(path, map.id());
			int failed = 0;
			if (this.attachments.find(map.id()) != null) {
				map.close();
			}
			else {
				Attachment a = new Attachment(map, true);
				failed = attach(a);
				watch.attached = a;
			}
			this.attachments.watch(watch);
			return failed;
		}
		catch (RuntimeException ex) {
			map.close();
			throw ex;
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	private int attach(Attachment a) {
		Attachments.checkCompatible(a.map);
		this.instance.lock.lock();
		try {
			this.instance.checkOpen();
			if (this.attachments.find(a.map.id()) != null) {
				throw new IllegalArgumentException(a.map + " is already attached");
			}
			String problem = this.registrar.uptrProblem(a.map);
			if (problem != null) {
				this.instance.error(problem);
				throw new BpfException(problem, Errno.EOPNOTSUPP);
			}
			this.attachments.add(a);
			return this.threads.registerAll(a.map);
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	/**
	 * Unregister every thread from {@code map} and stop registering new ones.
	 * @param map an attached map
	 * @return false if it was not attached
	 */
	public boolean detach(BpfMap map) {
		this.instance.lock.lock();
		try {
			Attachment a = this.attachments.find(map.id());
			if (a == null) {
				return false;
			}
			detach(a);
			return true;
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	private void detach(Attachment a) {
		this.attachments.remove(a);
		this.threads.unregisterAll(a.map);
		a.closeAudit();
		if (a.owned) {
			a.map.close();
		}
	}

	/**
	 * The attached maps.
	 * @return a snapshot
	 */
	public List<BpfMap> maps() {
		return this.attachments.maps();
	}

	// ---- threads

	/**
	 * This thread's data, registering the thread on first use. After the first call this
	 * is a thread-local lookup.
	 * @return the calling thread's handle
	 * @throws IllegalStateException on a virtual thread (its data would belong to
	 * whichever carrier thread runs it) or once closed
	 * @throws BpfException if no memory can be mapped for the block
	 */
	public TldThread currentThread() {
		TldThread t = ThreadHandles.current().find(this.instance);
		if (t != null && !this.instance.isClosed()) {
			return t;
		}
		return registerCurrentThread();
	}

	private TldThread registerCurrentThread() {
		Thread thread = Thread.currentThread();
		if (isVirtual(thread)) {
			throw new IllegalStateException("task local data is per OS thread; virtual thread " + thread
					+ " has none (it runs on whichever carrier thread mounts it)");
		}
		ThreadHandles handles = ThreadHandles.current();
		this.instance.lock.lock();
		try {
			if (this.instance.isClosed()) {
				handles.sweep(); // frees this thread's block of this (and any closed)
									// instance
				this.instance.checkOpen();
			}
			TldThread t = this.threads.registerCurrent(this.attachments.maps());
			handles.add(t);
			return t;
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	/**
	 * Number of threads holding a block (live ones, and dead ones not yet released).
	 * @return the count
	 */
	public int registeredThreads() {
		return this.threads.size();
	}

	/**
	 * The threads holding a block.
	 * @return a snapshot
	 */
	public List<TldThread> threads() {
		return this.threads.snapshot();
	}

	/**
	 * Native memory this instance has mapped: the key table and one block per thread.
	 * @return bytes
	 */
	public long nativeBytes() {
		return this.instance.isClosed() ? 0 : (1L + this.threads.size()) * this.mappingSize;
	}

	/**
	 * Registrations that failed since creation.
	 * @return the count
	 */
	public long registrationFailures() {
		return this.instance.registrationFailures();
	}

	/**
	 * Threads released since creation.
	 * @return the count
	 */
	public long releasedThreads() {
		return this.instance.released();
	}

	/**
	 * The last registration or maintenance error.
	 * @return the message, or null if there was none
	 */
	public @Nullable String lastError() {
		return this.instance.lastError();
	}

	/**
	 * Elements that someone else deleted or replaced in an attached map, found by
	 * {@link #audit()} (and registered again) since creation.
	 * @return the count
	 */
	public long tamperedElements() {
		return this.instance.tampered();
	}

	/**
	 * Release dead threads, follow replaced pins and {@linkplain #audit() audit} the
	 * maps. Runs periodically on a daemon thread unless the instance was created without
	 * one; safe to call at any time.
	 * @return the number of threads released
	 */
	public int maintain() {
		int n = releaseDeadThreads();
		refreshPins();
		audit();
		return n;
	}

	/**
	 * Check, in BPF's view, that every live thread still has its own element in every
	 * attached map, and register again each one that someone else deleted, or replaced by
	 * an element pointing at other blocks (another process's key table, whose owner
	 * cookie differs, or another block). Each is counted in {@link #tamperedElements()}
	 * and said in {@link #lastError()}. Whoever can write a map can do this at will (the
	 * kernel has no ownership check): the audit bounds how long a forgery lasts, it does
	 * not prevent it. BPF's view comes from {@code tld_map.bpf.o}'s {@code iter/task}
	 * program, loaded once per map with the map reused and restricted to this process's
	 * threads.
	 * @return the number of elements registered again
	 */
	public int audit() {
		this.instance.lock.lock();
		try {
			if (this.instance.isClosed()) {
				return 0;
			}
			int repaired = 0;
			for (Attachment a : this.attachments.all()) {
				ElementAudit audit = a.audit(this.instance);
				if (audit == null) {
					continue;
				}
				try {
					repaired += this.threads.audit(a.map, audit.read(), this.keys.owner());
				}
				catch (RuntimeException ex) {
					this.instance.error("cannot audit the elements of " + a.map + ": " + ex.getMessage());
				}
			}
			return repaired;
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	/**
	 * Release the threads whose OS thread has exited: delete their map elements, zero and
	 * unmap their blocks, close their pidfds.
	 * @return the number released
	 */
	public int releaseDeadThreads() {
		if (!this.threads.anyDead()) {
			return 0;
		}
		this.instance.lock.lock();
		try {
			if (this.instance.isClosed()) {
				return 0;
			}
			return this.threads.releaseDead(this.attachments.maps());
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	private void refreshPins() {
		for (PinWatch w : this.attachments.pins()) {
			BpfMap now;
			try {
				now = BpfMap.openPinned(w.path);
			}
			catch (BpfException ex) {
				this.instance.error("map pinned at " + w.path + " is gone (" + ex.getMessage()
						+ "); threads stay registered with the maps they have");
				continue;
			}
			if (now.id() == w.mapId) {
				now.close();
				continue;
			}
			follow(w, now);
		}
	}

	/**
	 * The pin moved on to {@code now}: register every thread with it, drop the old map.
	 */
	private void follow(PinWatch w, BpfMap now) {
		this.instance.lock.lock();
		try {
			if (this.instance.isClosed()) {
				now.close();
				return;
			}
			Attachment previous = w.attached;
			w.attached = null;
			if (this.attachments.find(now.id()) != null) {
				now.close();
			}
			else {
				Attachment a = new Attachment(now, true);
				attach(a);
				w.attached = a;
			}
			w.mapId = now.id();
			if (previous != null && this.attachments.contains(previous)) {
				detach(previous);
			}
		}
		catch (RuntimeException ex) {
			now.close();
			this.instance.error("cannot follow the map pinned at " + w.path + ": " + ex.getMessage());
		}
		finally {
			this.instance.lock.unlock();
		}
	}

	/**
	 * Unregister every thread from every map, release the maps opened from pins, free the
	 * key table and the blocks of dead threads, and close every pidfd. A live thread's
	 * block is unmapped by that thread's next use of it (which is refused) or, failing
	 * that, once nothing references its handle. Further calls to {@link #currentThread()}
	 * and {@link #defineKey(String, int)} fail. Close this instance before the objects
	 * whose maps it is attached to.
	 */
	@Override
	public void close() {
		this.instance.lock.lock();
		try {
			if (this.instance.isClosed()) {
				return;
			}
			this.instance.markClosed();
			for (Attachment a : this.attachments.all()) {
				detach(a);
			}
			this.attachments.clearPins();
			this.threads.closeAll();
			this.keys.free();
			ThreadHandles.current().remove(this.instance);
		}
		finally {
			this.instance.lock.unlock();
		}
		if (this.maintenance != null) {
			this.maintenance.stop();
		}
	}

	/**
	 * Whether {@link #close()} was called.
	 * @return true once closed
	 */
	public boolean isClosed() {
		return this.instance.isClosed();
	}

	/** Address of the key table, for tests of the layout. */
	long keyTableAddress() {
		return this.keys.address();
	}

	/** The key table's owner cookie, for tests of the audit. */
	long keyTableOwner() {
		return this.keys.owner();
	}

	private static boolean isVirtual(Thread thread) {
		if (IS_VIRTUAL == null) {
			return false;
		}
		try {
			return (boolean) IS_VIRTUAL.invokeExact(thread);
		}
		catch (Throwable ex) {
			return false;
		}
	}

	private static @Nullable MethodHandle isVirtualHandle() {
		try {
			return MethodHandles.publicLookup()
				.findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
		}
		catch (ReflectiveOperationException ex) {
			return null; // Java 17: no virtual threads
		}
	}

}
