"""AWS as the course knows it offline: the Region and instance-type catalogs, and the AWS sandbox
(a local moto server by default, a real account only when the learner opts in)."""
