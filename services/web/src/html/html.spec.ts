import { html } from './html';

describe('html', () => {
  it('escapes what it interpolates, so record text never becomes markup', () => {
    const note = '<script>alert("x")</script> & \'quotes\'';
    expect(html`<p>${note}</p>`.value).toBe(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('keeps nested html and joins lists, leaving out empty values', () => {
    const items = ['a<b', 'c'].map((item) => html`<li>${item}</li>`);
    // prettier-ignore
    const list = html`<ul>${items}${null}${false}${undefined}</ul>`;
    expect(list.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
  });
});
