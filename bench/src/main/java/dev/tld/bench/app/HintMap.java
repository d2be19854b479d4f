// SPDX-License-Identifier: Apache-2.0
package dev.tld.bench.app;

import java.nio.charset.StandardCharsets;

import jnr.ffi.Pointer;

import dev.tld.core.BpfObject;
import dev.tld.core.internal.LibBpf;
import dev.tld.core.internal.Natives;
import dev.tld.spring.RequestMetadata;

/**
 * The hint-map scheme's publisher: the request metadata of each thread in a hash map
 * keyed by tid ({@code hint_request} of {@code bench_hint.bpf.o}), one
 * {@code bpf_map_update_elem} system call per change. Buffers and the tid are per thread
 * and made once, so a publish costs the encoding and the system call. Value layout
 * ({@code struct hint_request}, 80 bytes): tenant at 0 (32 bytes, NUL-terminated UTF-8),
 * priority at 32 (long), request id at 40 (40 bytes).
 */
public final class HintMap {

	static final int VALUE_SIZE = 80;

	private final BpfObject object;

	private final int fd;

	private final LibBpf libbpf = Natives.get().libbpf();

	private final ThreadLocal<Slot> slots = ThreadLocal.withInitial(Slot::new);

	private HintMap(BpfObject object) {
		this.object = object;
		this.fd = object.map("hint_request").fd();
	}

	/**
	 * Load {@code bench_hint.bpf.o} and use its {@code hint_request} map.
	 * @return the publisher; the object lives as long as the process
	 */
	public static HintMap load() {
		BpfObject obj = BpfObject.openResource("/dev/tld/bench/bpf/bench_hint.bpf.o");
		obj.load();
		return new HintMap(obj);
	}

	/**
	 * Publish a request's metadata for the calling thread: one system call.
	 * @param md the metadata
	 */
	public void publish(RequestMetadata md) {
		Slot s = this.slots.get();
		s.value.setMemory(0, VALUE_SIZE, (byte) 0);
		putString(s.value, 0, 32, md.tenant());
		s.value.putLong(32, md.priority());
		putString(s.value, 40, 40, md.requestId());
		update(s);
	}

	/** Publish "no request" for the calling thread: one system call. */
	public void clear() {
		Slot s = this.slots.get();
		s.value.setMemory(0, VALUE_SIZE, (byte) 0);
		update(s);
	}

	private void update(Slot s) {
		int rc = this.libbpf.bpf_map_update_elem(this.fd, s.key, s.value, 0);
		if (rc != 0) {
			throw new IllegalStateException("bpf_map_update_elem into hint_request failed: " + rc);
		}
	}

	/** The same truncation as the core: at most size - 1 bytes, NUL-terminated. */
	private static void putString(Pointer p, int off, int size, String s) {
		byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
		int n = Math.min(utf8.length, size - 1);
		p.put(off, utf8, 0, n);
	}

	/**
	 * The object holding the map.
	 * @return the object
	 */
	BpfObject object() {
		return this.object;
	}

	private static final class Slot {

		final Pointer key = Natives.get().allocate(4);

		final Pointer value = Natives.get().allocate(VALUE_SIZE);

		Slot() {
			this.key.putInt(0, Natives.get().libc().gettid());
		}

	}

}
