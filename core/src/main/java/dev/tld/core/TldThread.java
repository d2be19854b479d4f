// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import com.kenai.jffi.MemoryIO;
import org.jspecify.annotations.Nullable;

import dev.tld.core.internal.NativeBlock;

/**
 * One OS thread's task local data: its native data block, registered with every map
 * attached to the {@link TaskLocalData} that made it. Get it with
 * {@link TaskLocalData#currentThread()}.
 * <p>
 * Writes and reads are plain memory accesses: no system call, no lock, no allocation
 * except for string encoding. Only the thread that owns the block may use it (anything
 * else is refused with {@link IllegalStateException}), so a block is never used after its
 * thread died and the block was released; once the {@code TaskLocalData} is closed, every
 * use is refused too, and the block is unmapped by the first refused use (or, if there is
 * none, once this handle is no longer reachable).
 * <p>
 * Values are in the host's byte order, the order BPF programs on the same host read them
 * in. A {@code long} written to a key of 8 or more bytes is written with one aligned
 * 8-byte store, so a BPF reader sees the old or the new value, never a mix. Multi-word
 * values (strings, byte arrays) have no such guarantee.
 */
public final class TldThread {

	private static final Cleaner CLEANER = Cleaner.create();

	private static final byte[] ZEROS = new byte[TldLayout.BLOCK_SIZE];

	/**
	 * Longs and ints in the block, through view handles rather than
	 * {@code ByteBuffer.putLong} and friends: a handle is bound statically and always
	 * inlined, where the buffer's method is a virtual call (several buffer classes
	 * implement it) that the JIT leaves one where it compiled a caller without a type
	 * profile (measured: 19 stores 17 ns through the handle, 150-300 ns through
	 * {@code putLong}). Both check the index against the buffer's limit.
	 */
	private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

	private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

	private final Instance owner;

	private final Thread thread;

	private final int tid;

	final int pidfd;

	final NativeBlock block;

	/**
	 * The block as a direct buffer in the host's byte order, written through view handles
	 * ({@link #LONG}, {@link #INT}) and its bulk puts.
	 */
	private final ByteBuffer buffer;

	/**
	 * Unmaps the block once this handle is unreachable, unless {@link #freeBlock()} ran.
	 */
	private final Cleaner.Cleanable cleanable;

	private final RequestLatch latch;

	/**
	 * What this thread last published: its key and when, and the key before (owner only).
	 */
	private long key;

	private long lastKey;

	private long since;

	/**
	 * The record published last, for scans from other threads (the tenant table's
	 * retirement): written with release semantics, which cost no fence on x86, unlike a
	 * volatile store.
	 */
	@SuppressWarnings("unused") // accessed through SERVING
	private @Nullable RequestRecord serving;

	private static final VarHandle SERVING = servingHandle();

	volatile @Nullable String registrationError;

	/** Ids of the maps that accepted this thread's element (and still hold it). */
	final Set<Integer> maps = ConcurrentHashMap.newKeySet();

	TldThread(Instance owner, Thread thread, int tid, int pidfd, NativeBlock block) {
		this.owner = owner;
		this.thread = thread;
		this.tid = tid;
		this.pidfd = pidfd;
		this.block = block;
		this.buffer = MemoryIO.getInstance()
			.newDirectByteBuffer(block.address(), TldLayout.BLOCK_SIZE)
			.order(ByteOrder.nativeOrder());
		this.cleanable = CLEANER.register(this, block::unmap);
		this.latch = new RequestLatch(this.buffer);
	}

	/**
	 * The kernel thread id (in this process's pid namespace).
	 * @return the tid
	 */
	public int tid() {
		return this.tid;
	}

	/**
	 * The Java thread that owns this block.
	 * @return the thread
	 */
	public Thread thread() {
		return this.thread;
	}

	/**
	 * Whether every map attached when this thread registered accepted it.
	 * @return false if a registration failed; see {@link #registrationError()}
	 */
	public boolean isRegistered() {
		return this.registrationError == null;
	}

	/**
	 * Why the last registration of this thread failed.
	 * @return the error, or null
	 */
	public @Nullable String registrationError() {
		return this.registrationError;
	}

	/**
	 * Publish the request this thread now works for, as one consistent snapshot: every
	 * BPF reader sees either this publish or the one before, whole, whatever store the
	 * thread is stopped after. The record also says what the thread served until now (the
	 * previous publish's key and times), so that accounting can split a CPU slice at
	 * {@code now}. Scopes nest by publishing the enclosing record again when the inner
	 * one ends.
	 * @param record what the thread serves from now on
	 * @param now {@link System#nanoTime()} (CLOCK_MONOTONIC, the clock of
	 * {@code bpf_ktime_get_ns()})
	 */
	public void publish(RequestRecord record, long now) {
		publish(record, null, now, RequestLatch.Steps.NONE);
	}

	/**
	 * Publish the request this thread now works for, with the trace context of the span
	 * in scope, as one consistent snapshot (see {@link #publish(RequestRecord, long)}):
	 * BPF reads its ids in the record's {@code otel} field, valid; with {@code trace}
	 * null, {@code otel} is zero and not valid.
	 * @param record what the thread serves from now on
	 * @param trace the span in scope, or null if there is none
	 * @param now {@link System#nanoTime()}
	 */
	public void publish(RequestRecord record, @Nullable TraceContext trace, long now) {
		publish(record, trace, now, RequestLatch.Steps.NONE);
	}

	/**
	 * Publish that this thread serves no request any more (it ended at {@code now}).
	 * @param now {@link System#nanoTime()}
	 */
	public void publishIdle(long now) {
		publish(null, null, now, RequestLatch.Steps.NONE);
	}

	/** Publish, reporting to {@code steps} between every two stores (tests). */
	int publish(@Nullable RequestRecord record, @Nullable TraceContext trace, long now, RequestLatch.Steps steps) {
		checkUsable();
		long lastKey = this.key;
		long lastSince = this.since;
		int stores = this.latch.publish(record, trace, now, lastKey, lastSince, now, this.lastKey, steps);
		this.lastKey = lastKey;
		this.key = (record != null) ? record.key() : 0;
		this.since = now;
		SERVING.setRelease(this, record);
		return stores;
	}

	/**
	 * What this thread published last, as Java remembers it (BPF reads the block).
	 * @return the record, or null if it serves no request
	 */
	public @Nullable RequestRecord published() {
		return (RequestRecord) SERVING.getAcquire(this);
	}

	private static VarHandle servingHandle() {
		try {
			return MethodHandles.lookup().findVarHandle(TldThread.class, "serving", RequestRecord.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	/**
	 * Store a long in the first 8 bytes of {@code key}.
	 * @param key a key of at least 8 bytes
	 * @param value the value
	 */
	public void putLong(TldKey key, long value) {
		LONG.set(this.buffer, check(key, 8), value);
	}

	/**
	 * Store an int in the first 4 bytes of {@code key}.
	 * @param key a key of at least 4 bytes
	 * @param value the value
	 */
	public void putInt(TldKey key, int value) {
		INT.set(this.buffer, check(key, 4), value);
	}

	/**
	 * Store a string as NUL-terminated UTF-8. Truncation rule: at most
	 * {@code key.size() - 1} bytes are kept, cut back to a code point boundary so that no
	 * partial character is stored; the bytes after the string, up to the key's size, are
	 * zeroed. {@code null} clears the key.
	 * @param key a key of at least 1 byte
	 * @param value the string, or null
	 * @return true if the whole string was stored, false if it was truncated
	 */
	public boolean putString(TldKey key, @Nullable String value) {
		int off = check(key, 1);
		if (value == null) {
			this.buffer.put(off, ZEROS, 0, key.size());
			return true;
		}
		byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
		int n = Utf8.cut(utf8, key.size() - 1);
		this.buffer.put(off, utf8, 0, n);
		this.buffer.put(off + n, ZEROS, 0, key.size() - n);
		return n == utf8.length;
	}

	/**
	 * Store raw bytes; the rest of the key is zeroed.
	 * @param key the key
	 * @param value at most {@code key.size()} bytes
	 * @throws IllegalArgumentException if {@code value} is longer than the key
	 */
	public void putBytes(TldKey key, byte[] value) {
		int off = check(key, 1);
		if (value.length > key.size()) {
			throw new IllegalArgumentException(
					value.length + " bytes do not fit in key '" + key.name() + "' of " + key.size() + " bytes");
		}
		this.buffer.put(off, value, 0, value.length);
		this.buffer.put(off + value.length, ZEROS, 0, key.size() - value.length);
	}

	/**
	 * Read the long in the first 8 bytes of {@code key} (BPF may have changed it).
	 * @param key a key of at least 8 bytes
	 * @return the value
	 */
	public long getLong(TldKey key) {
		return (long) LONG.get(this.buffer, check(key, 8));
	}

	/**
	 * Read the int in the first 4 bytes of {@code key}.
	 * @param key a key of at least 4 bytes
	 * @return the value
	 */
	public int getInt(TldKey key) {
		return (int) INT.get(this.buffer, check(key, 4));
	}

	/**
	 * Read a NUL-terminated UTF-8 string (the whole key if it has no NUL).
	 * @param key the key
	 * @return the string, empty if the key is zeroed
	 */
	public String getString(TldKey key) {
		byte[] raw = getBytes(key);
		int n = 0;
		while (n < raw.length && raw[n] != 0) {
			n++;
		}
		return new String(raw, 0, n, StandardCharsets.UTF_8);
	}

	/**
	 * Read the key's bytes.
	 * @param key the key
	 * @return a copy of its {@code key.size()} bytes
	 */
	public byte[] getBytes(TldKey key) {
		int off = check(key, 1);
		byte[] out = new byte[key.size()];
		this.buffer.get(off, out, 0, out.length);
		return out;
	}

	/**
	 * Zero one key.
	 * @param key the key
	 */
	public void clear(TldKey key) {
		this.buffer.put(check(key, 1), ZEROS, 0, key.size());
	}

	/** Zero every key of this thread (the block header stays). */
	public void clearAll() {
		checkUsable();
		this.buffer.put(TldLayout.DATA_HEADER_SIZE, ZEROS, 0, TldLayout.DATA_CAPACITY);
	}

	private int check(TldKey key, int bytes) {
		if (key.owner() != this.owner) {
			throw new IllegalArgumentException(key + " belongs to another TaskLocalData");
		}
		if (key.size() < bytes) {
			throw new IllegalArgumentException(key + " is smaller than the " + bytes + " bytes accessed");
		}
		checkUsable();
		return key.offset();
	}

	/**
	 * Refuse use from another thread, and any use once the instance is closed: then the
	 * calling thread, the owner, unmaps its own block, which no map refers to any more.
	 */
	private void checkUsable() {
		if (Thread.currentThread() != this.thread) {
			throw new IllegalStateException("the data of thread " + this.thread.getName() + " (tid " + this.tid
					+ ") may only be used by that thread, not by " + Thread.currentThread().getName());
		}
		if (this.owner.isClosed()) {
			freeBlock();
			throw new IllegalStateException("TaskLocalData is closed: thread " + this.tid + " publishes nothing");
		}
	}

	Instance owner() {
		return this.owner;
	}

	/** Zero and unmap the block, once; never touch it afterwards. */
	void freeBlock() {
		this.cleanable.clean();
	}

	@Override
	public String toString() {
		return "TldThread[tid=" + this.tid + ", thread=" + this.thread.getName() + "]";
	}

}
