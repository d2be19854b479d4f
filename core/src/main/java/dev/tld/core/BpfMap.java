// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jnr.ffi.Pointer;
import org.jspecify.annotations.Nullable;

import dev.tld.core.internal.Natives;

/**
 * A BPF map, by file descriptor: one found in a loaded {@link BpfObject} (owned by the
 * object, and unusable once the object is closed) or one opened from a pin with
 * {@link #openPinned(Path)} (owned by this instance and closed by {@link #close()}).
 */
public final class BpfMap implements AutoCloseable {

	/** {@code BPF_MAP_TYPE_HASH}. */
	public static final int TYPE_HASH = 1;

	/** {@code BPF_MAP_TYPE_ARRAY}. */
	public static final int TYPE_ARRAY = 2;

	/** {@code BPF_MAP_TYPE_TASK_STORAGE}. */
	public static final int TYPE_TASK_STORAGE = 29;

	/** {@code BPF_ANY}: create or update. */
	public static final long ANY = 0;

	/**
	 * {@code struct bpf_map_info} offsets; checked against the kernel header by a test.
	 */
	static final int INFO_TYPE = 0;

	static final int INFO_ID = 4;

	static final int INFO_KEY_SIZE = 8;

	static final int INFO_VALUE_SIZE = 12;

	static final int INFO_NAME = 24;

	static final int INFO_NAME_LEN = 16;

	private final int fd;

	/**
	 * The object that created the map and owns the fd, or null if this instance owns it.
	 */
	private final @Nullable BpfObject object;

	private final int type;

	private final int id;

	private final int keySize;

	private final int valueSize;

	private final String name;

	private volatile boolean closed;

	BpfMap(int fd, @Nullable BpfObject object) {
		this.fd = fd;
		this.object = object;
		Natives n = Natives.get();
		Pointer info = n.allocate(80);
		Pointer len = n.allocate(4);
		len.putInt(0, 80);
		int rc = n.libbpf().bpf_obj_get_info_by_fd(fd, info, len);
		if (rc < 0) {
			throw new BpfException("cannot read map info of fd " + fd + ": " + n.strerror(rc), -rc);
		}
		this.type = info.getInt(INFO_TYPE);
		this.id = info.getInt(INFO_ID);
		this.keySize = info.getInt(INFO_KEY_SIZE);
		this.valueSize = info.getInt(INFO_VALUE_SIZE);
		this.name = info.getString(INFO_NAME, INFO_NAME_LEN, java.nio.charset.StandardCharsets.US_ASCII);
	}

	/**
	 * Open the map pinned at {@code path}.
	 * @param path a path in bpffs
	 * @return the map; close it when done
	 * @throws BpfException if nothing usable is pinned there
	 */
	public static BpfMap openPinned(Path path) {
		Natives n = Natives.get();
		int fd = n.libbpf().bpf_obj_get(path.toString());
		if (fd < 0) {
			throw new BpfException("cannot open pinned map " + path + ": " + n.strerror(fd), -fd);
		}
		try {
			return new BpfMap(fd, null);
		}
		catch (RuntimeException ex) {
			n.libc().close(fd);
			throw ex;
		}
	}

	/**
	 * Pin this map at {@code path} (the parent directory must exist in bpffs).
	 * @param path where to pin it
	 */
	public void pin(Path path) {
		Natives n = Natives.get();
		int rc = n.libbpf().bpf_obj_pin(checkOpen(), path.toString());
		if (rc < 0) {
			throw new BpfException("cannot pin map '" + this.name + "' at " + path + ": " + n.strerror(rc), -rc);
		}
	}

	/**
	 * The file descriptor.
	 * @return the fd, valid until this map (or its object) is closed
	 * @throws IllegalStateException once closed: the number may already name another file
	 */
	public int fd() {
		return checkOpen();
	}

	/**
	 * Whether the fd is closed: this map was opened from a pin and closed, or its object
	 * was closed. Every operation then throws {@link IllegalStateException}.
	 * @return true once closed
	 */
	public boolean isClosed() {
		return (this.object != null) ? this.object.isClosed() : this.closed;
	}

	/**
	 * The kernel's id of this map, unique while the map exists.
	 * @return the map id
	 */
	public int id() {
		return this.id;
	}

	/**
	 * The map type ({@code BPF_MAP_TYPE_*}).
	 * @return the type
	 */
	public int type() {
		return this.type;
	}

	/**
	 * Key size in bytes.
	 * @return the key size
	 */
	public int keySize() {
		return this.keySize;
	}

	/**
	 * Value size in bytes.
	 * @return the value size
	 */
	public int valueSize() {
		return this.valueSize;
	}

	/**
	 * The map name as the kernel knows it (at most 15 characters).
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Look a key up.
	 * @param key exactly {@link #keySize()} bytes
	 * @return the value, or empty if the key is absent
	 */
	public Optional<byte[]> lookup(byte[] key) {
		Natives n = Natives.get();
		Pointer k = toNative(key, this.keySize, "key");
		Pointer v = n.allocate(this.valueSize);
		int rc = n.libbpf().bpf_map_lookup_elem(checkOpen(), k, v);
		if (rc == -Errno.ENOENT) {
			return Optional.empty();
		}
		check(rc, "look up");
		byte[] out = new byte[this.valueSize];
		v.get(0, out, 0, out.length);
		return Optional.of(out);
	}

	/**
	 * Look a key up in a per-CPU map ({@code BPF_MAP_TYPE_PERCPU_*}).
	 * @param key exactly {@link #keySize()} bytes
	 * @return one value of {@link #valueSize()} bytes per possible CPU, or empty if
	 * absent
	 */
	public Optional<List<byte[]>> lookupPerCpu(byte[] key) {
		return perCpu(key, false);
	}

	/**
	 * Look a key up in a per-CPU hash map and delete it, in one step: an update made
	 * meanwhile is either in the values returned or made to a new element.
	 * @param key exactly {@link #keySize()} bytes
	 * @return one value per possible CPU, or empty if absent
	 */
	public Optional<List<byte[]>> lookupAndDeletePerCpu(byte[] key) {
		return perCpu(key, true);
	}

	private Optional<List<byte[]>> perCpu(byte[] key, boolean delete) {
		Natives n = Natives.get();
		int cpus = n.libbpf().libbpf_num_possible_cpus();
		if (cpus < 1) {
			throw new BpfException("cannot count possible CPUs: " + n.strerror(cpus), -cpus);
		}
		int stride = (this.valueSize + 7) & -8;
		Pointer v = n.allocate(stride * cpus);
		Pointer k = toNative(key, this.keySize, "key");
		int rc = delete ? n.libbpf().bpf_map_lookup_and_delete_elem(checkOpen(), k, v)
				: n.libbpf().bpf_map_lookup_elem(checkOpen(), k, v);
		if (rc == -Errno.ENOENT) {
			return Optional.empty();
		}
		check(rc, delete ? "look up and delete in" : "look up");
		List<byte[]> values = new ArrayList<>(cpus);
		for (int cpu = 0; cpu < cpus; cpu++) {
			byte[] one = new byte[this.valueSize];
			v.get((long) cpu * stride, one, 0, one.length);
			values.add(one);
		}
		return Optional.of(values);
	}

	/**
	 * Create or replace an element.
	 * @param key exactly {@link #keySize()} bytes
	 * @param value exactly {@link #valueSize()} bytes
	 * @param flags {@link #ANY} or another {@code BPF_*} update flag
	 */
	public void update(byte[] key, byte[] value, long flags) {
		update(toNative(key, this.keySize, "key"), toNative(value, this.valueSize, "value"), flags);
	}

	void update(Pointer key, Pointer value, long flags) {
		check(Natives.get().libbpf().bpf_map_update_elem(checkOpen(), key, value, flags), "update");
	}

	/** Delete without throwing: returns 0 or a negative errno. */
	int delete(Pointer key) {
		return Natives.get().libbpf().bpf_map_delete_elem(checkOpen(), key);
	}

	/**
	 * Delete an element.
	 * @param key exactly {@link #keySize()} bytes
	 * @return false if there was no such element
	 */
	public boolean delete(byte[] key) {
		int rc = Natives.get().libbpf().bpf_map_delete_elem(checkOpen(), toNative(key, this.keySize, "key"));
		if (rc == -Errno.ENOENT) {
			return false;
		}
		check(rc, "delete from");
		return true;
	}

	/**
	 * All keys, for map types that can be iterated (hash, array).
	 * @return the keys at the time of the call
	 */
	public List<byte[]> keys() {
		Natives n = Natives.get();
		List<byte[]> keys = new ArrayList<>();
		Pointer prev = null;
		Pointer next = n.allocate(this.keySize);
		while (true) {
			int rc = n.libbpf().bpf_map_get_next_key(checkOpen(), prev, next);
			if (rc == -Errno.ENOENT) {
				return keys;
			}
			check(rc, "iterate");
			byte[] k = new byte[this.keySize];
			next.get(0, k, 0, k.length);
			keys.add(k);
			prev = toNative(k, this.keySize, "key");
		}
	}

	/**
	 * Close the fd if this instance owns it (a map opened from a pin); a map of a
	 * {@link BpfObject} is closed with its object.
	 */
	@Override
	public synchronized void close() {
		if (this.object == null && !this.closed) {
			this.closed = true;
			Natives.get().libc().close(this.fd);
		}
	}

	@Override
	public String toString() {
		return "BpfMap[name=" + this.name + ", id=" + this.id + ", fd=" + this.fd + "]";
	}

	private int checkOpen() {
		if (isClosed()) {
			throw new IllegalStateException(this + " is closed"
					+ ((this.object != null) ? " (its BPF object " + this.object.name() + " was closed)" : ""));
		}
		return this.fd;
	}

	private void check(int rc, String what) {
		if (rc < 0) {
			throw new BpfException(
					"cannot " + what + " map '" + this.name + "' (id " + this.id + "): " + Natives.get().strerror(rc),
					-rc);
		}
	}

	private static Pointer toNative(byte[] bytes, int size, String what) {
		if (bytes.length != size) {
			throw new IllegalArgumentException(what + " must be " + size + " bytes, got " + bytes.length);
		}
		Pointer p = Natives.get().allocate(size);
		p.put(0, bytes, 0, size);
		return p;
	}

}
