// A small file the demo tasks report problems in.
export function total(items: number[]): number {
  let sum = 0;
  const total: number = 'none';
  for (const i of items) sum += i;
  return sum;
}
export function retry(): void {
  retriesLeft--;
}
console.log(total([1, 2, 3]));
