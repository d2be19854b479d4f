// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

import jnr.ffi.Pointer;

import dev.tld.core.internal.LibC;
import dev.tld.core.internal.NativeBlock;
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
 * </ul>
 * Instances are thread-safe. Use one per process and map: two instances registering the
 * same thread with the same map overwrite each other's registration.
 */
public final class TaskLocalData implements AutoCloseable {

	/**
	 * How often dead threads are released and pins re-resolved unless configured
	 * otherwise.
	 */
	public static final Duration DEFAULT_MAINTENANCE_INTERVAL = Duration.ofSeconds(1);

	private static final Pattern KEY_NAME = Pattern.compile("[A-Za-z0-9_.:-]+");

	private static final MethodHandle IS_VIRTUAL = isVirtualHandle();

	private final Natives natives;

	private final int pageSize;

	private final long mappingSize;

	private final NativeBlock meta;

	private final Pointer metaPtr;

	/** Guards keys, maps and (un)registration. Never taken on the write path. */
	private final ReentrantLock lock = new ReentrantLock();

	private final Map<String, TldKey> keys = new LinkedHashMap<>();

	private volatile List<TldKey> keyList = List.of();

	private int used = TldLayout.DATA_HEADER_SIZE;

	private final List<Attachment> maps = new CopyOnWriteArrayList<>();

	private final List<PinWatch> pins = new CopyOnWriteArrayList<>();

	private final Set<TldThread> threads = ConcurrentHashMap.newKeySet();

	private final ThreadLocal<TldThread> current = new ThreadLocal<>();

	private final AtomicLong registrationFailures = new AtomicLong();

	private final AtomicLong released = new AtomicLong();

	private volatile String lastError;

	private final Thread maintainer;

	private volatile boolean closed;

	private TaskLocalData(Duration maintenanceInterval) {
		this.natives = Natives.get();
		this.pageSize = TldLayout.checkPageSize(this.natives.pageSize());
		this.mappingSize = TldLayout.mappingSize(this.pageSize);
		this.meta = NativeBlock.map(this.mappingSize);
		this.metaPtr = this.meta.pointer();
		this.metaPtr.putShort(TldLayout.META_VERSION_OFF, (short) TldLayout.ABI_VERSION);
		this.metaPtr.putShort(TldLayout.META_USED_OFF, (short) this.used);
		VarHandle.releaseFence();
		this.metaPtr.putInt(TldLayout.META_MAGIC_OFF, TldLayout.META_MAGIC);
		if (maintenanceInterval.isZero()) {
			this.maintainer = null;
		}
		else {
			this.maintainer = new Thread(() -> maintainLoop(maintenanceInterval), "tld-maintenance");
			this.maintainer.setDaemon(true);
			this.maintainer.start();
		}
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
	 * @param maintenanceInterval how often a daemon thread runs {@link #maintain()};
	 * {@link Duration#ZERO} for never (call it yourself)
	 * @return a new instance with an empty key table and no map
	 * @throws BpfException if libbpf cannot be loaded
	 */
	public static TaskLocalData create(Duration maintenanceInterval) {
		if (maintenanceInterval.isNegative()) {
			throw new IllegalArgumentException("maintenance interval must not be negative: " + maintenanceInterval);
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
		checkName(name);
		if (size < 1) {
			throw new IllegalArgumentException("size of key '" + name + "' must be at least 1, got " + size);
		}
		this.lock.lock();
		try {
			checkOpen();
			TldKey existing = this.keys.get(name);
			if (existing != null) {
				throw new KeyExistsException(name, existing.size(), size);
			}
			int index = this.keys.size();
			if (index == TldLayout.MAX_KEYS) {
				throw new TooManyKeysException(name);
			}
			if (size > TldLayout.BLOCK_SIZE - this.used) {
				throw new KeyTooLargeException(name, size, TldLayout.BLOCK_SIZE - this.used);
			}
			int aligned = TldLayout.alignedKeySize(size); // fits: used and BLOCK_SIZE are
															// aligned
			TldKey key = new TldKey(this, name, size, this.used);
			int entry = TldLayout.entryOffset(index);
			byte[] nameBytes = name.getBytes(StandardCharsets.US_ASCII);
			this.metaPtr.setMemory(entry, TldLayout.META_ENTRY_SIZE, (byte) 0);
			this.metaPtr.put(entry + TldLayout.ENTRY_NAME_OFF, nameBytes, 0, nameBytes.length);
			this.metaPtr.putShort(entry + TldLayout.ENTRY_SIZE_OFF, (short) size);
			this.metaPtr.putShort(entry + TldLayout.ENTRY_OFF_OFF, (short) key.offset());
			this.used += aligned;
			// Publish: BPF reads cnt, then entries below cnt.
			VarHandle.releaseFence();
			this.metaPtr.putShort(TldLayout.META_USED_OFF, (short) this.used);
			this.metaPtr.putShort(TldLayout.META_CNT_OFF, (short) (index + 1));
			this.keys.put(name, key);
			this.keyList = List.copyOf(this.keys.values());
			return key;
		}
		finally {
			this.lock.unlock();
		}
	}

	private static void checkName(String name) {
		if (name == null || name.isEmpty()) {
			throw new IllegalArgumentException("key name must not be empty");
		}
		if (name.length() > TldLayout.MAX_NAME_BYTES) {
			throw new IllegalArgumentException("key name '" + name + "' is " + name.length()
					+ " characters long, at most " + TldLayout.MAX_NAME_BYTES + " are allowed");
		}
		if (!KEY_NAME.matcher(name).matches()) {
			throw new IllegalArgumentException(
					"key name '" + name + "' may only contain letters, digits and the characters _ . : -");
		}
	}

	/**
	 * Find a defined key.
	 * @param name the key's name
	 * @return the key, or empty
	 */
	public Optional<TldKey> findKey(String name) {
		for (TldKey k : this.keyList) {
			if (k.name().equals(name)) {
				return Optional.of(k);
			}
		}
		return Optional.empty();
	}

	/**
	 * The defined keys, in definition order.
	 * @return an immutable snapshot
	 */
	public List<TldKey> keys() {
		return this.keyList;
	}

	/**
	 * Bytes of each thread's block not yet given to a key.
	 * @return free bytes
	 */
	public int freeBytes() {
		this.lock.lock();
		try {
			return TldLayout.BLOCK_SIZE - this.used;
		}
		finally {
			this.lock.unlock();
		}
	}

	// ---- maps

	/**
	 * Register every live thread, and every thread that registers from now on, with
	 * {@code map}. The caller keeps ownership of the map and must keep it open while
	 * attached.
	 * @param map a {@code tld_data_map} (task storage, {@code int} key, value of
	 * {@link TldLayout#MAP_VALUE_SIZE} bytes)
	 * @return the number of threads that failed to register (see {@link #lastError()})
	 * @throws IllegalArgumentException if {@code map} is not a compatible map
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
		this.lock.lock();
		try {
			checkOpen();
			PinWatch watch = new PinWatch(path, map.id());
			int failed = 0;
			if (attachment(map.id()) != null) {
				map.close();
			}
			else {
				watch.attached = new Attachment(map, true);
				failed = attach(watch.attached);
			}
			this.pins.add(watch);
			return failed;
		}
		catch (RuntimeException ex) {
			map.close();
			throw ex;
		}
		finally {
			this.lock.unlock();
		}
	}

	private Attachment attachment(int mapId) {
		for (Attachment a : this.maps) {
			if (a.map.id() == mapId) {
				return a;
			}
		}
		return null;
	}

	private int attach(Attachment a) {
		checkCompatible(a.map);
		this.lock.lock();
		try {
			checkOpen();
			if (attachment(a.map.id()) != null) {
				throw new IllegalArgumentException(a.map + " is already attached");
			}
			this.maps.add(a);
			int failed = 0;
			for (TldThread t : this.threads) {
				if (!register(t, a)) {
					failed++;
				}
			}
			if (a.uptrError != null) {
				detach(a);
				throw new BpfException(a.uptrError, 95);
			}
			return failed;
		}
		finally {
			this.lock.unlock();
		}
	}

	private static void checkCompatible(BpfMap map) {
		if (map.type() != BpfMap.TYPE_TASK_STORAGE || map.keySize() != 4
				|| map.valueSize() != TldLayout.MAP_VALUE_SIZE) {
			throw new IllegalArgumentException(map + " is not a tld_data_map of ABI version " + TldLayout.ABI_VERSION
					+ ": expected a task storage map (type " + BpfMap.TYPE_TASK_STORAGE + ") with 4-byte keys and "
					+ TldLayout.MAP_VALUE_SIZE + "-byte values, got type " + map.type() + ", key size " + map.keySize()
					+ ", value size " + map.valueSize());
		}
	}

	/**
	 * Unregister every thread from {@code map} and stop registering new ones.
	 * @param map an attached map
	 * @return false if it was not attached
	 */
	public boolean detach(BpfMap map) {
		this.lock.lock();
		try {
			Attachment a = attachment(map.id());
			if (a == null) {
				return false;
			}
			detach(a);
			return true;
		}
		finally {
			this.lock.unlock();
		}
	}

	private void detach(Attachment a) {
		this.maps.remove(a);
		for (TldThread t : this.threads) {
			unregister(t, a.map);
		}
		if (a.owned) {
			a.map.close();
		}
	}

	/**
	 * The attached maps.
	 * @return a snapshot
	 */
	public List<BpfMap> maps() {
		List<BpfMap> list = new ArrayList<>();
		for (Attachment a : this.maps) {
			list.add(a.map);
		}
		return Collections.unmodifiableList(list);
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
		TldThread t = this.current.get();
		if (t != null) {
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
		LibC libc = this.natives.libc();
		this.lock.lock();
		try {
			checkOpen();
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
			p.putInt(TldLayout.DATA_TID_OFF, tid);
			p.putInt(TldLayout.DATA_MAGIC_OFF, TldLayout.DATA_MAGIC);
			TldThread t = new TldThread(this, thread, tid, Math.max(pidfd, -1), block);
			if (pidfdError != null) {
				failed(t, pidfdError);
			}
			else {
				for (Attachment a : this.maps) {
					register(t, a);
				}
			}
			this.threads.add(t);
			this.current.set(t);
			return t;
		}
		finally {
			this.lock.unlock();
		}
	}

	/**
	 * Put {@code {block, key table}} into the map under the thread's pidfd. The first
	 * time a map gets an element, read it back: the kernel returns UPTR fields zeroed, so
	 * non-zero addresses mean the map stores them as plain numbers (a kernel before 6.13,
	 * or a map whose value type lacks the uptr tag) and BPF could never read the data.
	 */
	private boolean register(TldThread t, Attachment a) {
		if (t.pidfd < 0) {
			return false;
		}
		Pointer key = this.natives.allocate(4);
		key.putInt(0, t.pidfd);
		Pointer value = this.natives.allocate(TldLayout.MAP_VALUE_SIZE);
		value.putAddress(0, t.block.address());
		value.putAddress(8, this.meta.address());
		try {
			a.map.update(key, value, BpfMap.ANY);
		}
		catch (BpfException ex) {
			failed(t, "cannot register thread " + t.tid() + " with " + a.map + ": " + ex.getMessage());
			return false;
		}
		if (!a.uptrChecked) {
			a.uptrChecked = true;
			Pointer back = this.natives.allocate(TldLayout.MAP_VALUE_SIZE);
			if (this.natives.libbpf().bpf_map_lookup_elem(a.map.fd(), key, back) == 0 && back.getLong(0) != 0) {
				a.uptrError = a.map + " keeps the block addresses as plain numbers instead of pinning them as UPTRs:"
						+ " the kernel lacks UPTR support (Linux 6.13+) or the map's value type lacks the uptr tag";
				a.map.delete(key);
				failed(t, a.uptrError);
				return false;
			}
		}
		return true;
	}

	private void failed(TldThread t, String error) {
		t.registrationError = error;
		this.lastError = error;
		this.registrationFailures.incrementAndGet();
	}

	private void unregister(TldThread t, BpfMap map) {
		if (t.pidfd < 0) {
			return;
		}
		Pointer key = this.natives.allocate(4);
		key.putInt(0, t.pidfd);
		// ENOENT: never registered; ESRCH: the task is gone and its storage with it.
		map.delete(key);
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
		return List.copyOf(this.threads);
	}

	/**
	 * Native memory this instance has mapped: the key table and one block per thread.
	 * @return bytes
	 */
	public long nativeBytes() {
		return (1L + this.threads.size()) * this.mappingSize;
	}

	/**
	 * Registrations that failed since creation.
	 * @return the count
	 */
	public long registrationFailures() {
		return this.registrationFailures.get();
	}

	/**
	 * Threads released since creation.
	 * @return the count
	 */
	public long releasedThreads() {
		return this.released.get();
	}

	/**
	 * The last registration or maintenance error.
	 * @return the message, or null if there was none
	 */
	public String lastError() {
		return this.lastError;
	}

	/**
	 * Release dead threads and follow replaced pins. Runs periodically on a daemon thread
	 * unless the instance was created without one; safe to call at any time.
	 * @return the number of threads released
	 */
	public int maintain() {
		int n = releaseDeadThreads();
		refreshPins();
		return n;
	}

	/**
	 * Release the threads whose OS thread has exited: delete their map elements, zero and
	 * unmap their blocks, close their pidfds.
	 * @return the number released
	 */
	public int releaseDeadThreads() {
		List<TldThread> dead = new ArrayList<>();
		for (TldThread t : this.threads) {
			if (!t.thread().isAlive() && exited(t)) {
				dead.add(t);
			}
		}
		if (dead.isEmpty()) {
			return 0;
		}
		this.lock.lock();
		try {
			for (TldThread t : dead) {
				release(t);
			}
		}
		finally {
			this.lock.unlock();
		}
		return dead.size();
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

	private void release(TldThread t) {
		if (!this.threads.remove(t)) {
			return;
		}
		for (Attachment a : this.maps) {
			unregister(t, a.map);
		}
		t.block.unmap();
		if (t.pidfd >= 0) {
			this.natives.libc().close(t.pidfd);
		}
		this.released.incrementAndGet();
	}

	private void refreshPins() {
		for (PinWatch w : this.pins) {
			BpfMap now;
			try {
				now = BpfMap.openPinned(w.path);
			}
			catch (BpfException ex) {
				this.lastError = "map pinned at " + w.path + " is gone (" + ex.getMessage()
						+ "); threads stay registered with the maps they have";
				continue;
			}
			if (now.id() == w.mapId) {
				now.close();
				continue;
			}
			this.lock.lock();
			try {
				if (this.closed) {
					now.close();
					return;
				}
				Attachment previous = w.attached;
				w.attached = null;
				if (attachment(now.id()) != null) {
					now.close();
				}
				else {
					w.attached = new Attachment(now, true);
					attach(w.attached);
				}
				w.mapId = now.id();
				if (previous != null && this.maps.contains(previous)) {
					detach(previous);
				}
			}
			catch (RuntimeException ex) {
				now.close();
				this.lastError = "cannot follow the map pinned at " + w.path + ": " + ex.getMessage();
			}
			finally {
				this.lock.unlock();
			}
		}
	}

	private void maintainLoop(Duration interval) {
		while (!this.closed) {
			try {
				Thread.sleep(interval.toMillis(), interval.toNanosPart() % 1_000_000);
				maintain();
			}
			catch (InterruptedException ex) {
				return;
			}
			catch (RuntimeException ex) {
				this.lastError = "maintenance failed: " + ex;
			}
		}
	}

	/**
	 * Unregister every thread from every map, release the maps opened from pins, and free
	 * the blocks of dead threads and the key table. Blocks of threads still alive stay
	 * mapped (their owners may still write to them) but are no longer registered
	 * anywhere. Further calls to {@link #currentThread()} and
	 * {@link #defineKey(String, int)} fail.
	 */
	@Override
	public void close() {
		this.lock.lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
			for (Attachment a : List.copyOf(this.maps)) {
				detach(a);
			}
			for (TldThread t : List.copyOf(this.threads)) {
				if (!t.thread().isAlive() && exited(t)) {
					release(t);
				}
			}
			this.meta.unmap();
		}
		finally {
			this.lock.unlock();
		}
		if (this.maintainer != null) {
			this.maintainer.interrupt();
		}
	}

	/**
	 * Whether {@link #close()} was called.
	 * @return true once closed
	 */
	public boolean isClosed() {
		return this.closed;
	}

	private void checkOpen() {
		if (this.closed) {
			throw new IllegalStateException("TaskLocalData is closed");
		}
	}

	/** Address of the key table, for tests of the layout. */
	long keyTableAddress() {
		return this.meta.address();
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

	private static MethodHandle isVirtualHandle() {
		try {
			return MethodHandles.publicLookup()
				.findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
		}
		catch (ReflectiveOperationException ex) {
			return null; // Java 17: no virtual threads
		}
	}

	/**
	 * A map threads are registered with; {@code owned} if this instance opened its fd.
	 */
	private static final class Attachment {

		final BpfMap map;

		final boolean owned;

		boolean uptrChecked;

		String uptrError;

		Attachment(BpfMap map, boolean owned) {
			this.map = map;
			this.owned = owned;
		}

	}

	/** A pin followed by {@link #maintain()}. */
	private static final class PinWatch {

		final Path path;

		int mapId;

		/**
		 * The attachment made because of this pin, if the map was not attached already.
		 */
		Attachment attached;

		PinWatch(Path path, int mapId) {
			this.path = path;
			this.mapId = mapId;
		}

	}

}
