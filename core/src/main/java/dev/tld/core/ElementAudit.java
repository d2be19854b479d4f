// SPDX-License-Identifier: Apache-2.0
package dev.tld.core;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * What BPF sees of one attached map for this process's threads: {@code tld_map.bpf.o}
 * loaded with that map reused, its {@code tld_audit_task} iterator restricted to this
 * process. Each read reports, for every thread of the process, whether the map holds an
 * element for it and, if so, the headers of the blocks the element points at
 * ({@code struct tld_element_record}, {@code tld_audit.h}). Java's own copy is never
 * consulted: a foreign writer of a shared map may have deleted or replaced any element.
 */
final class ElementAudit implements AutoCloseable {

	/** The object on the class path (the {@code tld-bpf} jar). */
	static final String OBJECT_RESOURCE = "/dev/tld/bpf/tld_map.bpf.o";

	static final String PROGRAM = "tld_audit_task";

	/** {@code TLD_ELEM_ABSENT}: the thread has no element. */
	static final int ABSENT = 0;

	/** {@code TLD_ELEM_EMPTY}: an element without blocks. */
	static final int EMPTY = 1;

	/** {@code TLD_ELEM_PRESENT}: an element with both blocks. */
	static final int PRESENT = 2;

	/** {@code struct tld_element_record}; a test compares these with the BTF. */
	static final int RECORD_SIZE = 40;

	static final int RECORD_TID = 0;

	static final int RECORD_HOST_TID = 4;

	static final int RECORD_STATE = 8;

	static final int RECORD_BLOCK_TID = 12;

	static final int RECORD_DATA_MAGIC = 16;

	static final int RECORD_META_MAGIC = 20;

	static final int RECORD_DATA_VERSION = 24;

	static final int RECORD_META_VERSION = 26;

	static final int RECORD_OWNER = 32;

	private final BpfObject object;

	private final BpfLink link;

	private ElementAudit(BpfObject object, BpfLink link) {
		this.object = object;
		this.link = link;
	}

	/**
	 * Load the audit for {@code map}.
	 * @param map an attached {@code tld_data_map}
	 * @return the audit, its iterator attached to this process
	 * @throws BpfException if the object is missing or the kernel refuses it
	 */
	static ElementAudit of(BpfMap map) {
		BpfObject object = BpfObject.openResource(ElementAudit.class.getClassLoader(), OBJECT_RESOURCE);
		try {
			object.reuseMap("tld_data_map", map);
			object.load();
			BpfLink link = object.program(PROGRAM).attachIterator(ProcessHandle.current().pid());
			return new ElementAudit(object, link);
		}
		catch (RuntimeException ex) {
			object.close();
			throw ex;
		}
	}

	/**
	 * Every thread of this process, as the map has it now.
	 * @return one element per thread the kernel listed
	 */
	List<Element> read() {
		byte[] raw = this.link.readIterator();
		ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
		List<Element> out = new ArrayList<>(raw.length / RECORD_SIZE);
		for (int off = 0; off + RECORD_SIZE <= raw.length; off += RECORD_SIZE) {
			out.add(new Element(b.getInt(off + RECORD_TID), b.getInt(off + RECORD_HOST_TID),
					b.getInt(off + RECORD_STATE), b.getInt(off + RECORD_BLOCK_TID), b.getInt(off + RECORD_DATA_MAGIC),
					b.getInt(off + RECORD_META_MAGIC), Short.toUnsignedInt(b.getShort(off + RECORD_DATA_VERSION)),
					Short.toUnsignedInt(b.getShort(off + RECORD_META_VERSION)), b.getLong(off + RECORD_OWNER)));
		}
		return out;
	}

	@Override
	public void close() {
		this.object.close();
	}

	/**
	 * One thread's element, as BPF read it.
	 *
	 * @param tid the thread's id in its own pid namespace (0: exiting)
	 * @param hostTid its id in the initial pid namespace
	 * @param state {@link #ABSENT}, {@link #EMPTY} or {@link #PRESENT}
	 * @param blockTid the tid in the element's data block
	 * @param dataMagic the data block's magic
	 * @param metaMagic the key table's magic
	 * @param dataVersion the data block's version
	 * @param metaVersion the key table's version
	 * @param owner the key table's owner cookie
	 */
	record Element(int tid, int hostTid, int state, int blockTid, int dataMagic, int metaMagic, int dataVersion,
			int metaVersion, long owner) {

		/**
		 * What is wrong with this element for a thread of the instance whose key table
		 * has {@code expectedOwner}.
		 * @return null if it is the thread's own element, else what a foreign writer did
		 */
		@Nullable String problem(long expectedOwner) {
			if (this.state == ABSENT) {
				return "was deleted";
			}
			if (this.state != PRESENT) {
				return "was replaced by one that points at no blocks";
			}
			if (this.owner != expectedOwner) {
				return "was replaced by one whose key table is not this process's (owner cookie "
						+ Long.toHexString(this.owner) + ")";
			}
			if (this.blockTid != this.tid || this.dataMagic != TldLayout.DATA_MAGIC
					|| this.dataVersion != TldLayout.ABI_VERSION) {
				return "was replaced by one whose data block is not the thread's own (tid " + this.blockTid + ")";
			}
			return null;
		}

	}

}
