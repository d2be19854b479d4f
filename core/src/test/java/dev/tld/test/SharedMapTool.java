// SPDX-License-Identifier: Apache-2.0
package dev.tld.test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import dev.tld.core.BpfLink;
import dev.tld.core.BpfObject;
import dev.tld.core.BpfProgram;

/**
 * An outside tool on a shared {@code tld_data_map}, for the tests: {@code tld_map.bpf.o}
 * with the map pinned at a path reused (or created and pinned there, as a restarted tool
 * does), and its {@code tld_audit_task} iterator run over one process at a time. It reads
 * only the documented record ({@code docs/abi.md}, {@code tld_audit.h}).
 */
public final class SharedMapTool implements AutoCloseable {

	private static final int RECORD_SIZE = 40;

	private static final int STATE_PRESENT = 2;

	private final BpfObject object;

	private SharedMapTool(BpfObject object) {
		this.object = object;
	}

	/**
	 * Reuse the map pinned at {@code pin}, or create and pin one there.
	 * @param pin the pin
	 * @return the tool
	 */
	public static SharedMapTool at(Path pin) {
		BpfObject object = BpfObject.openResource("/dev/tld/bpf/tld_map.bpf.o");
		try {
			object.pinMap("tld_data_map", pin);
			object.load();
			return new SharedMapTool(object);
		}
		catch (RuntimeException ex) {
			object.close();
			throw ex;
		}
	}

	/**
	 * The kernel's id of the map the tool reads.
	 * @return the map id
	 */
	public int mapId() {
		return this.object.map("tld_data_map").id();
	}

	/**
	 * The threads of a process that have an element with both blocks in the map.
	 * @param pid the process, in this process's pid namespace
	 * @return each such thread's element, by thread id
	 */
	public Map<Integer, Element> threadsOf(long pid) {
		BpfProgram audit = this.object.program("tld_audit_task");
		try (BpfLink link = audit.attachIterator(pid)) {
			byte[] raw = link.readIterator();
			ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
			Map<Integer, Element> threads = new TreeMap<>();
			for (int off = 0; off + RECORD_SIZE <= raw.length; off += RECORD_SIZE) {
				if (b.getInt(off + 8) == STATE_PRESENT) {
					threads.put(b.getInt(off), new Element(b.getInt(off), b.getInt(off + 12), b.getLong(off + 32)));
				}
			}
			return threads;
		}
	}

	/**
	 * An element, as the tool reads it.
	 *
	 * @param tid the thread
	 * @param blockTid the tid its data block names
	 * @param owner the owner cookie of its key table
	 */
	public record Element(int tid, int blockTid, long owner) {
	}

	@Override
	public void close() {
		this.object.close();
	}

}
