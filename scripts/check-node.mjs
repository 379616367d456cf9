// Fails loudly when npm scripts would run on a Node older than the project needs
// (e.g. the node@24 devDependency's binary did not install and npm fell back to the system Node).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 17)) {
  process.stderr.write(
    `Porchlight needs Node >= 22.17 but npm scripts run on Node ${process.versions.node}.\n` +
      'Run `npm ci` so the node@24 devDependency installs its binary (allowScripts: node).\n',
  );
  process.exit(1);
}
