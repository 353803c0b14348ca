/**
 * The test driver's capabilities document: testBuildCapabilities' virCaps
 * (i686 host with pae/nonpae, four page sizes, NUMA cells, the testSecurity
 * model, hvm and xen guests) printed as virCapabilitiesFormatXML does.
 */

/** One host CPU in a NUMA cell (virCapsHostNUMACellCPU). */
export interface CellCpu { id: number; socketId: number; dieId: number; coreId: number; siblings: string }

/** A NUMA cell of the test host (libvirt's testCell). Memory is in KiB. */
export interface TestCell { mem: number; freeMem: number; cpus: CellCpu[] }

/** Page sizes of the test host, KiB (caps->host.pagesSize). */
const PAGE_SIZES = [4, 8, 2048, 1024 * 1024];

export const TEST_EMULATOR = '/usr/bin/test-hv';
export const SECURITY_MODEL = { model: 'testSecurity', doi: '' } as const;

function formatCells(cells: TestCell[]): string {
  let s = '    <topology>\n';
  s += `      <cells num='${cells.length}'>\n`;
  cells.forEach((cell, i) => {
    // Cell 1 reports its first page size as 8 KiB, the others 4 KiB; the
    // remaining sizes follow, and only the first one has pages available.
    const first = i === 1 ? PAGE_SIZES[1]! : PAGE_SIZES[0]!;
    const sizes = [first, ...PAGE_SIZES.slice(2)];
    s += `        <cell id='${i}'>\n`;
    s += `          <memory unit='KiB'>${cell.mem}</memory>\n`;
    sizes.forEach((size, j) => {
      const avail = j === 0 ? Math.floor(cell.mem / size) : 0;
      s += `          <pages unit='KiB' size='${size}'>${avail}</pages>\n`;
    });
    s += `          <cpus num='${cell.cpus.length}'>\n`;
    for (const c of cell.cpus) {
      s += `            <cpu id='${c.id}' socket_id='${c.socketId}' die_id='${c.dieId}' core_id='${c.coreId}' siblings='${c.siblings}'/>\n`;
    }
    s += '          </cpus>\n';
    s += '        </cell>\n';
  });
  s += '      </cells>\n';
  s += '    </topology>\n';
  return s;
}

function formatGuest(osType: string): string {
  return '  <guest>\n' +
    `    <os_type>${osType}</os_type>\n` +
    "    <arch name='i686'>\n" +
    '      <wordsize>32</wordsize>\n' +
    `      <emulator>${TEST_EMULATOR}</emulator>\n` +
    "      <domain type='test'/>\n" +
    '    </arch>\n' +
    '    <features>\n' +
    '      <pae/>\n' +
    '      <nonpae/>\n' +
    '    </features>\n' +
    '  </guest>\n\n';
}

/** virCapabilitiesFormatXML of the test driver's caps for the given cells. */
export function formatCapabilities(cells: TestCell[]): string {
  let s = '<capabilities>\n\n';
  s += '  <host>\n';
  s += '    <cpu>\n';
  s += '      <arch>i686</arch>\n';
  s += '      <features>\n        <pae/>\n        <nonpae/>\n      </features>\n';
  for (const size of PAGE_SIZES) s += `      <pages unit='KiB' size='${size}'/>\n`;
  s += '    </cpu>\n';
  s += '    <power_management/>\n';
  s += "    <iommu support='no'/>\n";
  s += formatCells(cells);
  s += '    <secmodel>\n';
  s += `      <model>${SECURITY_MODEL.model}</model>\n`;
  s += `      <doi>${SECURITY_MODEL.doi}</doi>\n`;
  s += '    </secmodel>\n';
  s += '  </host>\n\n';
  s += formatGuest('hvm');
  s += formatGuest('xen');
  s += '</capabilities>\n';
  return s;
}

/** testOpenDefault's NUMA layout: 2 cells of 8 CPUs, 2 and 4 GiB (1 and 2 GiB free). */
export function defaultCells(): TestCell[] {
  const cells: TestCell[] = [];
  for (let i = 0; i < 2; i++) cells.push({ mem: (i + 1) * 2048 * 1024, freeMem: (i + 1) * 1024 * 1024, cpus: [] });
  for (let i = 0; i < 16; i++) {
    cells[Math.floor(i / 8)]!.cpus.push({ id: i, socketId: Math.floor(i / 8), dieId: 0, coreId: i % 8, siblings: String(i) });
  }
  return cells;
}
