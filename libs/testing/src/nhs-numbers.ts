/** Valid NHS numbers (modulus 11) made from a seed, for test patients that never collide by accident. */
export function testNhsNumber(seed: number): string {
  for (let candidate = seed; ; candidate++) {
    const stem = String(900_000_000 + (candidate % 99_999_999)).padStart(9, '0');
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(stem[i]) * (10 - i);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return `${stem}${check === 11 ? 0 : check}`;
  }
}

/** A fresh valid NHS number for each call in this process. */
let counter = Math.floor(Math.random() * 50_000_000);
export const nextTestNhsNumber = (): string => testNhsNumber(counter++ * 7);
