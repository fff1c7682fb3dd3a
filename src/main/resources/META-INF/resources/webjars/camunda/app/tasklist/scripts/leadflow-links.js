// Leadflow: links from Camunda's webapps back to Leadflow's own pages, so a rep in Tasklist or a manager in Cockpit
// is one click from their leads. Loaded by the customScripts of each webapp's config.js (tasklist, cockpit, admin);
// an ES module without plugins, which only adds the links.
const app = window.location.pathname.split('/app/')[1]?.split('/')[0] || '';
const links = [['/', '← Leadflow']];
if (app === 'tasklist') {
  links.push(['/my-leads', 'My leads']);
}
links.push(['/leads', 'Leads']);
const bar = document.createElement('nav');
bar.id = 'leadflow-links';
bar.setAttribute('aria-label', 'Leadflow');
for (const [href, label] of links) {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = label;
  bar.appendChild(a);
}
document.body.appendChild(bar);

export default [];
